/**
 * Scaled dot-product attention, batch 1, 8 heads of size 64, self-attention at sequence
 * lengths 128 and 512 (issue 18), float32, no mask. Each length has four rows:
 *
 * - `attention-L-fwd`: Tessera's `scaledDotProductAttention` (the backend's fused kernel),
 *   all of the output read back; onnxruntime's com.microsoft MultiHeadAttention contrib op
 *   (CPU provider) on the same values in its [1, L, 8·64] layout.
 * - `attention-L-fwd-composite`: the op's unfused composite (matmul, scale, softmax, matmul)
 *   on the same backend: what Tessera ran before the fused kernels.
 * - `attention-L-fwdbwd` / `-fwdbwd-composite`: forward plus the gradients of Σ w·y with
 *   respect to q, k and v (a fixed cotangent w), their first 8 values each read back. The
 *   fused row runs the forward with its row logsumexp and the backend's fused
 *   (FlashAttention-2) backward where it has one; the composite row's is autograd through
 *   the composite's ops. onnxruntime-node has no training: n/a.
 *
 * GFLOP/s are nominal: 4·H·L²·E for the forward (two L×L×E products), 3.5 times that for
 * forward + backward (FlashAttention's convention: the backward is 2.5 forwards).
 */
import { gradients, scaledDotProductAttention, scaledDotProductAttentionDef, tensor, tidy, type Tensor } from '@tessera/core';
import type * as ortTypes from 'onnxruntime-node';
import { randn, rng } from '../data.js';
import { multiHeadAttentionModel } from '../onnx/attention.js';
import { ortThreads } from '../adapters/onnx.js';
import { NotApplicable, type Adapter, type Runner } from '../adapters/types.js';
import { once, type Workload } from './types.js';

const ATTENTION_LENGTHS = [128, 512] as const;
const HEADS = 8;
const HEAD_SIZE = 64;

interface AttentionData {
  readonly l: number;
  /** q, k, v [1, H, L, E] and the cotangent of the output. */
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly w: Float32Array;
}

function attentionData(l: number): AttentionData {
  const n = HEADS * l * HEAD_SIZE;
  const next = rng(1800 + l);
  return { l, q: randn(n, 1, next), k: randn(n, 1, next), v: randn(n, 1, next), w: randn(n, 1, next) };
}

/** [1, H, L, E] → [1, L, H·E] (heads packed per position, onnxruntime's BSNH layout). */
function packHeads(x: Float32Array, l: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let h = 0; h < HEADS; h++)
    for (let i = 0; i < l; i++) out.set(x.subarray((h * l + i) * HEAD_SIZE, (h * l + i + 1) * HEAD_SIZE), (i * HEADS + h) * HEAD_SIZE);
  return out;
}

type Mode = 'fwd' | 'fwdbwd';
type Path = 'fused' | 'composite';

function attend(q: Tensor, k: Tensor, v: Tensor, path: Path): Tensor {
  if (path === 'fused') return scaledDotProductAttention(q, k, v);
  return scaledDotProductAttentionDef.decompose!([q, k, v], { scale: 1 / Math.sqrt(HEAD_SIZE), causal: false, mask: 'none' });
}

function tesseraRunner(d: AttentionData, mode: Mode, path: Path): Runner {
  const shape = [1, HEADS, d.l, HEAD_SIZE];
  const [q, k, v] = [d.q, d.k, d.v].map((x) => tensor(x, { shape }));
  const w = tensor(d.w, { shape });
  if (mode === 'fwdbwd') for (const t of [q, k, v]) t.requiresGrad_();
  return {
    async run() {
      if (mode === 'fwd') {
        const y = tidy(() => attend(q, k, v, path));
        try {
          return Float32Array.from((await y.data()) as Float32Array);
        } finally {
          y.dispose();
        }
      }
      const heads = tidy(() => gradients(attend(q, k, v, path), [q, k, v], [w]).map((g) => g.reshape([-1]).slice([0], [8])));
      try {
        const parts = await Promise.all(heads.map((t) => t.data()));
        return Float32Array.from(parts.flatMap((p) => Array.from(p as Float32Array)));
      } finally {
        for (const t of heads) t.dispose();
      }
    },
    dispose() {
      for (const t of [q, k, v, w]) t.dispose();
    },
  };
}

async function onnxRunner(d: AttentionData): Promise<Runner> {
  const ort: typeof ortTypes = await import('onnxruntime-node');
  let s: ortTypes.InferenceSession;
  try {
    s = await ort.InferenceSession.create(multiHeadAttentionModel(1, d.l, HEADS, HEAD_SIZE), {
      executionProviders: ['cpu'],
      intraOpNumThreads: ortThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new NotApplicable(
      `onnxruntime-node has no CPU com.microsoft MultiHeadAttention here (${String((e as Error)?.message ?? e).split('\n')[0]})`,
    );
  }
  const dims = [1, d.l, HEADS * HEAD_SIZE];
  const feeds = {
    query: new ort.Tensor('float32', packHeads(d.q, d.l), dims),
    key: new ort.Tensor('float32', packHeads(d.k, d.l), dims),
    value: new ort.Tensor('float32', packHeads(d.v, d.l), dims),
  };
  return {
    async run() {
      const res = await s.run(feeds);
      const packed = res.out.data as Float32Array;
      // Back to Tessera's [1, H, L, E] so the agreement check compares like with like.
      const out = new Float32Array(packed.length);
      for (let h = 0; h < HEADS; h++)
        for (let i = 0; i < d.l; i++)
          out.set(packed.subarray((i * HEADS + h) * HEAD_SIZE, (i * HEADS + h + 1) * HEAD_SIZE), (h * d.l + i) * HEAD_SIZE);
      for (const t of Object.values(res)) t.dispose();
      return out;
    },
    dispose() {
      void s.release();
    },
  };
}

function prepare(a: Adapter, d: AttentionData, mode: Mode, path: Path): Promise<Runner> | undefined {
  if (a.name.startsWith('tessera-')) return Promise.resolve(tesseraRunner(d, mode, path));
  if (a.name === 'onnx') {
    if (path === 'composite') return Promise.reject(new NotApplicable('the composite rows are Tessera against itself'));
    if (mode === 'fwdbwd') return Promise.reject(new NotApplicable('onnxruntime-node has no training'));
    return onnxRunner(d);
  }
  return undefined; // tfjs has no attention op
}

/** The attention rows: for each length, forward and forward + backward, fused and composite. */
export function attentionWorkloads(): Workload[] {
  return ATTENTION_LENGTHS.flatMap((l) => {
    const data = once(() => attentionData(l));
    const flops = 4 * HEADS * l * l * HEAD_SIZE;
    const row = (mode: Mode, path: Path): Workload => ({
      id: `attention-${l}-${mode}${path === 'composite' ? '-composite' : ''}`,
      label: `attention L ${l}, 8 heads × 64, ` +
        `${mode === 'fwd' ? 'forward' : 'forward + backward'}${path === 'composite' ? ', unfused composite' : ''}`,
      unit: 'GFLOP/s',
      throughput: (ms) => ((mode === 'fwd' ? 1 : 3.5) * flops) / (ms * 1e-3) / 1e9,
      prepare: (a) => prepare(a, data(), mode, path),
      probe: mode === 'fwd' ? 'y [1, 8, L, 64]' : 'dq, dk, dv [:8] each',
    });
    return [row('fwd', 'fused'), row('fwd', 'composite'), row('fwdbwd', 'fused'), row('fwdbwd', 'composite')];
  });
}
