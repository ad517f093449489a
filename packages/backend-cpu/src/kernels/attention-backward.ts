import {
  attentionGradSizes,
  attentionLayout,
  attentionOffsets,
  type AttentionAttrs,
  type AttentionLayout,
  type Kernel,
  type TensorData,
  type TypedArray,
} from '@tessera/core';
import { tsExp } from './attention.js';
import { allocUninit, valuesOf, wrap } from './storage.js';

/**
 * Fused gradient of scaled dot-product attention (core's 'scaledDotProductAttentionBackward'),
 * FlashAttention-2 style: from the forward's packed output (its row logsumexp in column Ev)
 * it recomputes, per (score matrix, key block, query block), the BWD_BLOCK_Q × BWD_BLOCK_K tile of
 * probabilities P = exp(s·scale + mask − lse) and dS = P ⊙ (dy·vᵀ − D) with
 * D = Σ dy ⊙ out − dlse, and accumulates dv += Pᵀ·dy, dq += dS·k·scale, dk += dSᵀ·q·scale.
 * Two tiles exist at a time, never an [L, S] matrix. Causal attention skips the query
 * blocks that end before the key block starts. The five block products come from a
 * `BackwardMath`: TypeScript loops (float64, and float32 without wasm) or the wasm SIMD GEMM
 * (attention-wasm.ts).
 */

/**
 * Queries per backward block (rows of the P and dS tiles): the dv and dk products sum over
 * them, so taller tiles mean fewer, deeper GEMM calls.
 */
const BWD_BLOCK_Q = 256;
/** Keys per backward block (columns of the tiles; the dq product sums over them). */
const BWD_BLOCK_K = 128;
/** Floats of one backward tile. */
export const BWD_TILE = BWD_BLOCK_Q * BWD_BLOCK_K;

/** The buffers a block product reads or writes. */
export type AttentionBuffer = 'q' | 'k' | 'v' | 'dy' | 'p' | 'ds' | 'grad';

/** A strided matrix in one of the buffers: element (r, c) at at + r·rs + c·cs. */
export interface BlockOperand {
  readonly buf: AttentionBuffer;
  readonly at: number;
  readonly rs: number;
  readonly cs: number;
}

/** The backward's block products and its two tiles (rows × cols, row stride cols). */
export interface BackwardMath {
  /** The probability tile P (first the raw scores q·kᵀ). */
  readonly p: TypedArray;
  /** The tile dS (first dP = dy·vᵀ). */
  readonly ds: TypedArray;
  /** p[at + c] = exp(p[at + c] − shift) for c < n (the wasm SIMD exp under wasm). */
  exp(at: number, n: number, shift: number): void;
  /** C (+)= A·B, A M×K, B K×N, C with column stride 1. */
  gemm(m: number, n: number, k: number, a: BlockOperand, b: BlockOperand, c: BlockOperand, accumulate: boolean): void;
}

const at = (buf: AttentionBuffer, offset: number, rs: number, cs = 1): BlockOperand => ({ buf, at: offset, rs, cs });

/** The layout of a backward call: q, k, v and the mask (when attrs has one) of its inputs. */
export function backwardLayout(inputs: readonly TensorData[], attrs: AttentionAttrs): AttentionLayout {
  return attentionLayout(inputs[0].shape, inputs[1].shape, inputs[2].shape, attrs.mask === 'none' ? undefined : inputs[3].shape);
}

/** What one score matrix's tile step reads besides the tiles. */
interface MatrixContext {
  readonly attrs: AttentionAttrs;
  readonly lay: AttentionLayout;
  readonly mask: TypedArray | null;
  readonly maskAt: number;
  /** Per query row of the matrix: the logsumexp and D. */
  readonly lse: Float64Array;
  readonly d: Float64Array;
}

/** Raw scores → P = exp(x·scale + mask − lse) in the tile (masked: exp(−∞) = 0; an all-masked row: NaN, as the composite). */
function probabilities(m: BackwardMath, t: MatrixContext, i0: number, j0: number, rows: number, cols: number): void {
  const { p } = m;
  const { attrs: { scale, causal, mask: kind }, lay: { maskRow, maskCol }, mask, lse } = t;
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const base = r * cols;
    const mAt = t.maskAt + i * maskRow + j0 * maskCol;
    for (let c = 0; c < cols; c++) {
      let x = p[base + c] * scale;
      if (mask !== null) {
        const mv = mask[mAt + c * maskCol];
        if (kind === 'additive') x += mv;
        else if (mv === 0) x = -Infinity;
      }
      if (causal && j0 + c > i) x = -Infinity;
      p[base + c] = x;
    }
    m.exp(base, cols, lse[i]);
  }
}

/** dP → dS·scale = P ⊙ (dP − D)·scale in the ds tile (the scale of dq and dk folded in). */
function scoreGrads(m: BackwardMath, t: MatrixContext, i0: number, rows: number, cols: number): void {
  const { p, ds } = m;
  const { scale } = t.attrs;
  for (let r = 0; r < rows; r++) {
    const d = t.d[i0 + r];
    for (let o = r * cols, end = o + cols; o < end; o++) ds[o] = p[o] * (ds[o] - d) * scale;
  }
}

/**
 * The whole backward into `m`'s 'grad' buffer (zeroed by the caller), the packed [batch,
 * L·E + S·E + S·Ev] layout of core's op; `out` and `dy` are the forward's packed output and
 * its gradient ([batch, L, Ev + 1]).
 */
export function attendBackward(
  m: BackwardMath,
  lay: AttentionLayout,
  attrs: AttentionAttrs,
  mask: TypedArray | null,
  out: TypedArray,
  dy: TypedArray,
): void {
  const { l, s, e, ev } = lay;
  const ld = ev + 1;
  const n = attentionGradSizes(l, s, e, ev);
  const per = n.dq + n.dk + n.dv;
  const off = attentionOffsets(lay);
  const lse = new Float64Array(l);
  const d = new Float64Array(l);
  for (let b = 0; b < lay.batch; b++) {
    const rowsAt = b * l * ld;
    for (let i = 0; i < l; i++) {
      const o = rowsAt + i * ld;
      let acc = 0;
      for (let c = 0; c < ev; c++) acc += dy[o + c] * out[o + c];
      d[i] = acc - dy[o + ev];
      lse[i] = out[o + ev];
    }
    const t: MatrixContext = { attrs, lay, mask, maskAt: off.mask[b], lse, d };
    const [qAt, kAt, vAt] = [off.q[b], off.k[b], off.v[b]];
    const [dqAt, dkAt, dvAt] = [b * per, b * per + n.dq, b * per + n.dq + n.dk];
    for (let j0 = 0; j0 < s; j0 += BWD_BLOCK_K) {
      const cols = Math.min(BWD_BLOCK_K, s - j0);
      // Causal: query i sees key j ≤ i, so the blocks ending before j0 see none of these keys.
      for (let i0 = attrs.causal ? j0 - (j0 % BWD_BLOCK_Q) : 0; i0 < l; i0 += BWD_BLOCK_Q) {
        const rows = Math.min(BWD_BLOCK_Q, l - i0);
        const qi = at('q', qAt + i0 * e, e);
        const dyi = at('dy', rowsAt + i0 * ld, ld);
        m.gemm(rows, cols, e, qi, at('k', kAt + j0 * e, 1, e), at('p', 0, cols), false);
        probabilities(m, t, i0, j0, rows, cols);
        m.gemm(cols, ev, rows, at('p', 0, 1, cols), dyi, at('grad', dvAt + j0 * ev, ev), true);
        m.gemm(rows, cols, ev, dyi, at('v', vAt + j0 * ev, 1, ev), at('ds', 0, cols), false);
        scoreGrads(m, t, i0, rows, cols);
        m.gemm(rows, e, cols, at('ds', 0, cols), at('k', kAt + j0 * e, e), at('grad', dqAt + i0 * e, e), true);
        m.gemm(cols, e, rows, at('ds', 0, 1, cols), qi, at('grad', dkAt + j0 * e, e), true);
      }
    }
  }
}

/** Block products in TypeScript over the kernel's own arrays (any float dtype). */
function tsBackwardMath(bufs: Record<'q' | 'k' | 'v' | 'dy' | 'grad', TypedArray>): BackwardMath {
  const p = new Float64Array(BWD_TILE);
  const ds = new Float64Array(BWD_TILE);
  const all: Record<AttentionBuffer, TypedArray> = { ...bufs, p, ds };
  return {
    p, ds,
    exp: (at, n, shift) => tsExp(p, at, n, shift),
    gemm(mm, nn, kk, a, b, c, accumulate) {
      const [A, B, C] = [all[a.buf], all[b.buf], all[c.buf]];
      for (let i = 0; i < mm; i++) {
        const ci = c.at + i * c.rs;
        for (let j = 0; j < nn; j++) {
          let acc = 0;
          for (let x = 0, ai = a.at + i * a.rs, bj = b.at + j * b.cs; x < kk; x++, ai += a.cs, bj += b.rs) acc += A[ai] * B[bj];
          C[ci + j] = accumulate ? C[ci + j] + acc : acc;
        }
      }
    },
  };
}

/** The inputs of a backward call by role: q, k, v, the mask (or null), the forward's packed output, its gradient. */
export function backwardInputs(inputs: readonly TensorData[], attrs: AttentionAttrs): {
  q: TensorData; k: TensorData; v: TensorData; mask: TensorData | null; out: TensorData; dy: TensorData;
} {
  const [q, k, v] = inputs;
  const masked = attrs.mask !== 'none';
  return { q, k, v, mask: masked ? inputs[3] : null, out: inputs[inputs.length - 2], dy: inputs[inputs.length - 1] };
}

/** The TypeScript fused attention backward (float32 and float64). */
export const attentionBackward: Kernel<AttentionAttrs> = ({ inputs, attrs, out }) => {
  const x = backwardInputs(inputs, attrs);
  const grad = allocUninit(out.dtype, out.size);
  grad.fill(0);
  const lay = backwardLayout(inputs, attrs);
  const math = tsBackwardMath({ q: valuesOf(x.q), k: valuesOf(x.k), v: valuesOf(x.v), dy: valuesOf(x.dy), grad });
  attendBackward(math, lay, attrs, x.mask ? valuesOf(x.mask) : null, valuesOf(x.out), valuesOf(x.dy));
  return wrap(grad);
};
