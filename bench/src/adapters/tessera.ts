/**
 * Tessera on its CPU backend (@tessera/backend-cpu: WebAssembly SIMD kernels, worker
 * threads for large GEMMs; `BENCH_TESSERA_THREADS=1` for one thread) or its WebGPU backend
 * (@tessera/backend-webgpu, on the bench's shared GPU entry point),
 * through the public API only: tensors, Parameter + backward() + a hand-written SGD step,
 * tidy() for intermediates. Layouts are the canonical ones (NCHW, OIHW, [in, out]).
 * Both columns live in one core registry; each cell makes its backend the default first.
 */
import {
  Parameter,
  VERSION,
  biasActivation,
  conv2d,
  getBackend,
  init,
  logSoftmax,
  matmul,
  maxPool2d,
  memory,
  noGrad,
  setDefaultBackend,
  tensor,
  tidy,
  use,
  type Tensor,
} from '@tessera/core';
// A namespace import, so scripts/ab.sh can bundle this adapter against older backend-cpu
// sources that have no setThreads.
import * as backendCpu from '@tessera/backend-cpu';
import { tuneMatmul, webgpu } from '@tessera/backend-webgpu';
import { ADAPTER_OPTIONS, NoGpuAdapter, sharedGpu, skipReason } from './gpu.js';
import { LR, concat, sgdGradient, type CnnData, type MatmulData, type MlpData, type Named } from '../data.js';
import { CONVNET_MAX_THREADS, type ConvNetInferData, type ConvNetTrainData } from '../convnets/data.js';
import { tesseraConvNetInfer, tesseraConvNetTrain } from './tessera-convnets.js';
import { NotApplicable, type Adapter, type MatmulRead, type Runner } from './types.js';

const fromNamed = (p: Named): Tensor => tensor(p.values, { shape: p.shape });

/** Bias + activation through core's fused composite (one kernel; dbias summed in place). */
const dense = (x: Tensor, w: Tensor, b: Tensor, activation: 'relu' | 'linear' = 'linear'): Tensor =>
  biasActivation(x.matmul(w), b, { activation });

function mlpForward(p: readonly Tensor[], x: Tensor): Tensor {
  const [w1, b1, w2, b2, w3, b3] = p;
  return dense(dense(dense(x, w1, b1, 'relu'), w2, b2, 'relu'), w3, b3);
}

/** conv → +bias → maxpool → relu, twice; flatten; fc → relu → fc. x is NCHW; conv biases along axis 1. */
function cnnForward(p: readonly Tensor[], x: Tensor): Tensor {
  const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b] = p;
  let h = biasActivation(conv2d(x, c1w, { stride: 1, padding: 'valid' }), c1b, { axis: 1 });
  h = maxPool2d(h, { kernelSize: 3, stride: 3 }).relu();
  h = biasActivation(conv2d(h, c2w, { stride: 1, padding: 'valid' }), c2b, { axis: 1 });
  h = maxPool2d(h, { kernelSize: 2, stride: 2 }).relu();
  const flat = h.reshape([x.shape[0], 256]);
  return dense(dense(flat, f1w, f1b, 'relu'), f2w, f2b);
}

/** Mean softmax cross-entropy; y is int32 [batch, 1] class indices. */
function crossEntropy(logits: Tensor, y: Tensor): Tensor {
  return logSoftmax(logits, 1).gather(1, y).mean().neg();
}

/** One SGD training step per run: forward, loss, backward, w ← w − lr·∇w. */
function trainRunner(init: readonly Named[], params: Parameter[], inputs: Tensor[], lossFn: () => Tensor): Runner {
  const lastBias = params[params.length - 1];
  let lastLoss = NaN;
  return {
    async run() {
      const loss = tidy(() => {
        const l = lossFn();
        l.backward();
        noGrad(() => {
          for (const p of params) {
            p.assign(p.sub(p.grad!.mul(LR)));
            p.grad!.dispose();
            p.grad = null;
          }
        });
        return l;
      });
      const l = await loss.data();
      loss.dispose();
      lastLoss = l[0];
      const b = await lastBias.data();
      return Float32Array.of(l[0], ...b);
    },
    async probe() {
      const after = await Promise.all(params.map(async (p) => (await p.data()) as Float32Array));
      return concat([lastLoss], after.map((a, i) => sgdGradient(init[i].values, a)));
    },
    dispose() {
      for (const t of [...params, ...inputs]) t.dispose();
    },
  };
}

function parameters(params: readonly Named[]): Parameter[] {
  return params.map((p) => {
    const t = fromNamed(p);
    const w = new Parameter(t, { name: p.name });
    t.dispose();
    return w;
  });
}

/** Options of the Tessera adapter. */
export interface TesseraAdapterOptions {
  /** Run on a software GPU adapter (SwiftShader) too: --libs named webgpu. */
  readonly allowSoftware?: boolean;
}

/** Square size `tuneMatmul` times each GEMM tile on (hardware adapters only). */
const TUNE_SIZE = 2048;

/** Starts the WebGPU backend on the shared GPU; tunes the GEMM tile on hardware adapters. */
export async function startWebGpu(allowSoftware: boolean): Promise<string> {
  const { gpu, report } = await sharedGpu();
  const skip = skipReason(report, allowSoftware);
  if (skip) throw new NoGpuAdapter(skip);
  use(webgpu({ gpu, adapter: ADAPTER_OPTIONS }));
  const failures: string[] = [];
  await init({ backends: ['webgpu'], onFallback: (m) => failures.push(m) }).catch((e: unknown) => {
    throw new NoGpuAdapter(failures[0] ?? String((e as Error)?.message ?? e));
  });
  if (report.software) return 'GEMM tile not tuned (software adapter)';
  // A first pass compiles every candidate and lets an idle GPU raise its clocks: on an
  // H100, one pass at 1024² from idle timed the same tile 8× apart between processes.
  await tuneMatmul('webgpu', { size: TUNE_SIZE, repeats: 1, force: true });
  const tuned = await tuneMatmul('webgpu', { size: TUNE_SIZE, repeats: 5, force: true });
  const times = tuned.timings.map((t) => `${t.tile} ${((2 * TUNE_SIZE ** 3) / (t.ms * 1e-3) / 1e9).toFixed(0)}`).join(', ');
  return `GEMM tile ${tuned.tile} by tuneMatmul (${TUNE_SIZE}², best of 5 after a warm-up pass; GFLOP/s without readback: ${times})`;
}

/** The thread count `init` chose (BENCH_TESSERA_THREADS, else the backend's default). */
const envThreads = (): number | undefined => {
  const n = Number(process.env.BENCH_TESSERA_THREADS ?? 0);
  return n > 0 ? n : undefined;
};

/**
 * Runs the runner `make` builds with the CPU backend on `threads` threads, and gives the
 * default back when the runner is disposed (or fails to build). A GPU column runs only the
 * rows of the largest count: threads do not apply to it.
 */
async function withThreads(backend: 'cpu' | 'webgpu', threads: number, maxThreads: number, make: () => Promise<Runner>): Promise<Runner> {
  if (backend === 'webgpu') {
    if (threads !== maxThreads)
      throw new NotApplicable(`CPU thread count does not apply to a GPU column (see the ${maxThreads}-thread row)`);
    return make();
  }
  backendCpu.setThreads?.(threads);
  const restore = () => backendCpu.setThreads?.(envThreads());
  try {
    const r = await make();
    return {
      run: () => r.run(),
      probe: r.probe ? () => r.probe!() : undefined,
      dispose() {
        try {
          r.dispose();
        } finally {
          restore();
        }
      },
    };
  } catch (e) {
    restore();
    throw e;
  }
}

/** Tessera on `backend`: 'cpu' (tessera-cpu) or 'webgpu' (tessera-webgpu). */
export function tesseraAdapter(backend: 'cpu' | 'webgpu' = 'cpu', options: TesseraAdapterOptions = {}): Adapter {
  let detail = '';
  return {
    name: backend === 'cpu' ? 'tessera-cpu' : 'tessera-webgpu',
    gpu: backend === 'webgpu',
    describe: () => {
      if (backend === 'webgpu') return `@tessera/core ${VERSION} + @tessera/backend-webgpu (${detail})`;
      const info = getBackend('cpu').info?.() ?? {};
      return `@tessera/core ${VERSION} + @tessera/backend-cpu (wasm ${String(info.wasm)}, ${String(info.threads)} thread(s))`;
    },
    async init() {
      if (backend === 'cpu') {
        const threads = envThreads();
        if (threads !== undefined) backendCpu.setThreads?.(threads);
        use(backendCpu.cpu());
        await init({ backends: ['cpu'] });
      } else {
        detail = await startWebGpu(options.allowSoftware === true);
      }
    },
    async activate() {
      setDefaultBackend(backend);
    },
    async close() {
      if (backend === 'webgpu') getBackend('webgpu').dispose?.();
    },
    liveTensors: () => memory().numTensors,

    async matmulTransposed(d: MatmulData): Promise<Runner> {
      return this.matmul!(d);
    },

    async matmul({ n, a, b, transposeA = false, transposeB = false }: MatmulData, read: MatmulRead = 'all'): Promise<Runner> {
      const A = tensor(a, { shape: [n, n] });
      const B = tensor(b, { shape: [n, n] });
      return {
        async run() {
          const c = matmul(A, B, { transposeA, transposeB });
          const r = read === 'all' ? c : c.slice([0, 0], [1, n]);
          const out = (await r.data()) as Float32Array;
          if (r !== c) r.dispose();
          c.dispose();
          return out;
        },
        dispose() {
          A.dispose();
          B.dispose();
        },
      };
    },

    async mlpTrain(d: MlpData): Promise<Runner> {
      const params = parameters(d.params);
      const x = tensor(d.x, { shape: [d.batch, 784] });
      const y = tensor(d.y, { dtype: 'int32', shape: [d.batch, 1] });
      return trainRunner(d.params, params, [x, y], () => crossEntropy(mlpForward(params, x), y));
    },

    async cnnTrain(d: CnnData): Promise<Runner> {
      const params = parameters(d.params);
      const x = tensor(d.x, { shape: [d.batch, 1, 28, 28] });
      const y = tensor(d.y, { dtype: 'int32', shape: [d.batch, 1] });
      return trainRunner(d.params, params, [x, y], () => crossEntropy(cnnForward(params, x), y));
    },

    convNetInfer: (d: ConvNetInferData) => withThreads(backend, d.threads, CONVNET_MAX_THREADS, () => tesseraConvNetInfer(d)),
    convNetTrain: (d: ConvNetTrainData) => withThreads(backend, d.threads, CONVNET_MAX_THREADS, () => tesseraConvNetTrain(d)),

    async cnnInfer(d: CnnData): Promise<Runner> {
      const weights = d.params.map(fromNamed);
      const x = tensor(d.x, { shape: [d.batch, 1, 28, 28] });
      return {
        async run() {
          const logits = noGrad(() => tidy(() => cnnForward(weights, x)));
          const out = (await logits.data()) as Float32Array;
          logits.dispose();
          return out;
        },
        dispose() {
          for (const t of [...weights, x]) t.dispose();
        },
      };
    },
  };
}
