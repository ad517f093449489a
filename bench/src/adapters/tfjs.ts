/**
 * TensorFlow.js adapters: tfjs-core with the pure-JS CPU backend, the WASM backend (SIMD;
 * single-threaded in Node) and the WebGPU backend (on the bench's shared GPU entry point,
 * which is `navigator.gpu` by the time tfjs-backend-webgpu is imported). All share tfjs's
 * one engine, so each cell switches backend first (`activate`). tfjs is NHWC with HWIO filters: the canonical NCHW/OIHW
 * weights are converted at setup, and fc1's rows are reordered for the NHWC flatten.
 * Training uses tf.variableGrads and a hand-written SGD update, like the Tessera adapter.
 * Bias + activation use tfjs's fused ops (`tf.fused.matMul`, `tf.fused.conv2d`), as the
 * Tessera adapter uses its fused `biasActivation`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry registers no gradients (its register_all_gradients module is
// bundler-only ESM); the union package registers them all into tfjs-core's global registry.
import '@tensorflow/tfjs';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import {
  LR,
  chwRowsToHwc,
  concat,
  sgdGradient,
  hwcRowsToChw,
  hwioToOihw,
  oihwToHwio,
  type CnnData,
  type MatmulData,
  type MlpData,
  type Named,
} from '../data.js';
import { NoGpuAdapter, adapterLine, sharedGpu, skipReason } from './gpu.js';
import type { ConvNetInferData, ConvNetTrainData } from '../convnets/data.js';
import { tfjsConvNetInfer } from './tfjs-convnets.js';
import { NotApplicable, Unsupported, type Adapter, type LibName, type MatmulRead, type Runner } from './types.js';

type TfjsBackend = 'cpu' | 'wasm' | 'webgpu';

/** Options of the tfjs adapter. */
export interface TfjsAdapterOptions {
  /** Run on a software GPU adapter (SwiftShader) too: --libs named webgpu. */
  readonly allowSoftware?: boolean;
}

interface WebGpuBackendLike {
  readonly adapterInfo?: { readonly vendor?: string; readonly architecture?: string };
  readonly device?: GPUDevice;
}

/**
 * Loads tfjs-backend-webgpu after the shared GPU is installed as navigator.gpu: its entry
 * registers the 'webgpu' backend factory at import time only if navigator.gpu exists. The
 * factory asks that same GPU object for a high-performance adapter, like Tessera does.
 */
async function startTfjsWebGpu(allowSoftware: boolean): Promise<string> {
  const { report } = await sharedGpu();
  const skip = skipReason(report, allowSoftware);
  if (skip) throw new NoGpuAdapter(skip);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu'))
    throw new NoGpuAdapter('tfjs-backend-webgpu registered no webgpu backend (navigator.gpu missing at import)');
  if (!(await tf.setBackend('webgpu'))) throw new NoGpuAdapter(`tf.setBackend('webgpu') failed`);
  const info = (tf.backend() as unknown as WebGpuBackendLike).adapterInfo;
  if (info && info.vendor !== undefined && info.vendor !== report.vendor) {
    throw new Error(`tfjs got adapter vendor '${info.vendor}', Tessera '${report.vendor}': not the same adapter`);
  }
  return ` (adapter ${adapterLine(report)}; tfjs defaults: WEBGPU_CPU_FORWARD ${String(tf.env().get('WEBGPU_CPU_FORWARD'))})`;
}

let wasmPathsSet = false;

/** Points the WASM backend at its .wasm files inside node_modules (a directory prefix). */
function setWasmDir(): string {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  if (!wasmPathsSet) {
    setWasmPaths(dir + path.sep);
    wasmPathsSet = true;
  }
  return dir;
}

let nameCounter = 0;

/** Trainable variables from canonical arrays, converted to tfjs layouts where needed. */
function variables(params: readonly Named[], convert: (p: Named) => [Float32Array, number[]]): tf.Variable[] {
  const run = nameCounter++;
  return params.map((p) => {
    const [values, shape] = convert(p);
    return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, `bench${run}.${p.name}`));
  });
}

const asIs = (p: Named): [Float32Array, number[]] => [p.values, [...p.shape]];

/** Canonical CNN weights → tfjs layouts (HWIO filters, fc1 rows in HWC flatten order). */
function cnnLayout(p: Named): [Float32Array, number[]] {
  if (p.shape.length === 4) {
    const [o, i, h, w] = p.shape;
    return [oihwToHwio(p.values, p.shape), [h, w, i, o]];
  }
  if (p.name === 'fc1.w') return [chwRowsToHwc(p.values, [64, 2, 2], p.shape[1]), [...p.shape]];
  return asIs(p);
}

/** matmul + bias (+ relu) as tfjs's fused op, like Tessera's biasActivation. */
const dense = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor, activation: 'relu' | 'linear' = 'linear'): tf.Tensor2D =>
  tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation }) as tf.Tensor2D;

/** conv + bias as tfjs's fused op (NHWC, stride 1, valid). */
const convBias = (x: tf.Tensor4D, filter: tf.Tensor, bias: tf.Tensor): tf.Tensor4D =>
  tf.fused.conv2d({ x, filter: filter as tf.Tensor4D, strides: 1, pad: 'valid', bias });

function mlpForward(v: tf.Variable[], x: tf.Tensor): tf.Tensor2D {
  const [w1, b1, w2, b2, w3, b3] = v;
  return dense(dense(dense(x, w1, b1, 'relu'), w2, b2, 'relu'), w3, b3);
}

/** conv → +bias → maxpool → relu, twice; flatten; fc → relu → fc. x is NHWC. */
function cnnForward(v: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor2D {
  const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b] = v;
  let h = convBias(x, c1w, c1b);
  h = tf.relu(tf.maxPool(h, 3, 3, 'valid'));
  h = convBias(h, c2w, c2b);
  h = tf.relu(tf.maxPool(h, 2, 2, 'valid'));
  const flat = tf.reshape(h, [x.shape[0], 256]) as tf.Tensor2D;
  return dense(dense(flat, f1w, f1b, 'relu'), f2w, f2b);
}

/** Mean softmax cross-entropy with integer labels (tfjs takes one-hot labels). */
function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.cast(tf.oneHot(y, logits.shape[1]), 'float32'), logits) as tf.Scalar;
}

/** tfjs layout → canonical (inverse of cnnLayout) for the probe. */
function cnnCanonical(p: Named, values: Float32Array): Float32Array {
  if (p.shape.length === 4) return hwioToOihw(values, p.shape);
  if (p.name === 'fc1.w') return hwcRowsToChw(values, [64, 2, 2], p.shape[1]);
  return values;
}

/** One SGD training step per run: forward, loss, gradients of every variable, update. */
function trainRunner(
  init: readonly Named[],
  vars: tf.Variable[],
  inputs: tf.Tensor[],
  lossFn: () => tf.Scalar,
  canonical: (i: number, v: Float32Array) => Float32Array,
): Runner {
  const lastBias = vars[vars.length - 1];
  let lastLoss = NaN;
  return {
    async run() {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossFn, vars);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], LR)));
        return value;
      });
      const l = await loss.data();
      loss.dispose();
      lastLoss = l[0];
      const b = await lastBias.data();
      return Float32Array.of(l[0], ...b);
    },
    async probe() {
      const after = await Promise.all(vars.map(async (v, i) => canonical(i, (await v.data()) as Float32Array)));
      return concat([lastLoss], after.map((a, i) => sgdGradient(init[i].values, a)));
    },
    dispose() {
      for (const t of [...vars, ...inputs]) t.dispose();
    },
  };
}

/**
 * tfjs-cpu (pure JS, ~14 s for ResNet-18 at 224² batch 1 on the 2-core machine) runs only
 * ResNets of at most one 224² image's pixels: batch 8 or VGG-11 (4× ResNet-18's work) would
 * take one to several minutes per cell.
 */
function tfjsCpuTooSlow(d: ConvNetInferData): string | undefined {
  const small = d.plan.name.startsWith('resnet') && d.batch * d.plan.size ** 2 <= 224 * 224;
  return small ? undefined : 'tfjs-cpu (pure JS, ~14 s for ResNet-18 b1) left out of this row to keep it short: see ResNet-18 b1';
}

// tfjs-backend-webgpu exports no version; package.json pins it to tfjs-core's 4.22.0.
const VERSIONS: Record<TfjsBackend, string> = { cpu: ` ${version_cpu}`, wasm: ` ${version_wasm}`, webgpu: '' };

export function tfjsAdapter(backend: TfjsBackend, options: TfjsAdapterOptions = {}): Adapter {
  const name: LibName = `tfjs-${backend}`;
  let detail = '';
  return {
    name,
    gpu: backend === 'webgpu',
    describe: () => `@tensorflow/tfjs-core ${tf.version_core} + tfjs-backend-${backend}${VERSIONS[backend]}${detail}`,
    async init() {
      tf.enableProdMode(); // no per-op NaN checks or debug warnings
      if (backend === 'webgpu') {
        detail = await startTfjsWebGpu(options.allowSoftware === true);
        return;
      }
      if (backend === 'wasm') setWasmDir();
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      if (backend === 'wasm') {
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        detail = ` (SIMD ${simd ? 'on' : 'off'}, ${mt ? 'multi-threaded' : 'single-threaded'})`;
      } else {
        detail = ' (pure JS, single-threaded)';
      }
    },
    async activate() {
      if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    },
    liveTensors: () => tf.memory().numTensors,
    async close() {
      // removeBackend disposes it; tfjs-backend-webgpu's dispose() leaves the device alive.
      if (backend !== 'webgpu' || !tf.findBackend('webgpu')) return;
      const device = (tf.findBackend('webgpu') as unknown as WebGpuBackendLike).device;
      tf.removeBackend('webgpu');
      device?.destroy();
    },

    async matmulTransposed(d: MatmulData): Promise<Runner> {
      return this.matmul!(d);
    },

    async matmul({ n, a, b, transposeA = false, transposeB = false }: MatmulData, read: MatmulRead = 'all'): Promise<Runner> {
      const A = tf.tensor2d(a, [n, n]);
      const B = tf.tensor2d(b, [n, n]);
      return {
        async run() {
          const c = tf.matMul(A, B, transposeA, transposeB);
          const r = read === 'all' ? c : tf.slice(c, [0, 0], [1, n]);
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
      const vars = variables(d.params, asIs);
      const x = tf.tensor2d(d.x, [d.batch, 784]);
      const y = tf.tensor1d(d.y, 'int32');
      return trainRunner(d.params, vars, [x, y], () => crossEntropy(mlpForward(vars, x), y), (_, v) => v);
    },

    async cnnTrain(d: CnnData): Promise<Runner> {
      // Checked up front: a missing kernel fails mid-backward, and tfjs then leaves the
      // tensors saved for the backward pass alive.
      const missing = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'].filter((k) => !tf.getKernel(k, backend));
      if (missing.length)
        throw new Unsupported(
          `Kernel${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} not registered for backend '${backend}'`,
        );
      const vars = variables(d.params, cnnLayout);
      const x = tf.tensor4d(d.x, [d.batch, 28, 28, 1]); // NCHW with C = 1 has the NHWC layout
      const y = tf.tensor1d(d.y, 'int32');
      return trainRunner(d.params, vars, [x, y], () => crossEntropy(cnnForward(vars, x), y), (i, v) => cnnCanonical(d.params[i], v));
    },

    convNetInfer: (d: ConvNetInferData) => tfjsConvNetInfer(backend, d, backend === 'cpu' ? tfjsCpuTooSlow(d) : undefined),

    async convNetTrain(d: ConvNetTrainData): Promise<Runner> {
      throw new NotApplicable(
        `${d.name} training is not built for tfjs: tfjs-wasm has no Conv2DBackpropFilter kernel, and tfjs-cpu's pure-JS filter gradient ` +
          `takes ~20 s for the MNIST CNN's step alone`,
      );
    },

    async cnnInfer(d: CnnData): Promise<Runner> {
      const weights = d.params.map((p) => {
        const [values, shape] = cnnLayout(p);
        return tf.tensor(values, shape, 'float32');
      });
      const x = tf.tensor4d(d.x, [d.batch, 28, 28, 1]);
      return {
        async run() {
          const logits = tf.tidy(() => cnnForward(weights, x));
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
