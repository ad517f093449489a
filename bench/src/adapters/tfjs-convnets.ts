/**
 * The tfjs columns of the convnet inference rows: the plan (`src/convnets/plan.ts`) run
 * op by op with tfjs ops in NHWC, from the row's weights with the batch norms folded into
 * the convolutions at setup (what tfjs-converter does to a converted model), conv/linear +
 * bias + ReLU as tfjs's fused ops; linear weights as [in, out] (a Dense kernel's layout).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONVNET_MAX_THREADS, type ConvNetInferData } from '../convnets/data.js';
import { readers, type NetOp, type NetPlan } from '../convnets/plan.js';
import { foldBatchNorms, weightLookup } from '../convnets/weights.js';
import { oihwToHwio } from '../data.js';
import { NotApplicable, type Runner } from './types.js';

/** Which rows a tfjs backend runs, or why not (single-threaded CPU backends run the 1-thread rows). */
function tfjsConvNetSkip(backend: 'cpu' | 'wasm' | 'webgpu', d: ConvNetInferData): string | undefined {
  if (!d.fuse && d.plan.ops.some((o) => o.op === 'bn'))
    return 'the unfused row is Tessera against itself (tfjs-converter folds batch norms)';
  if (backend === 'webgpu')
    return d.threads === CONVNET_MAX_THREADS
      ? undefined
      : `CPU thread count does not apply to a GPU column (see the ${CONVNET_MAX_THREADS}-thread row)`;
  if (d.threads !== 1) return 'single-threaded in Node: see the 1-thread row';
  return undefined;
}

/** Does op i feed only a ReLU that comes right after it? Then the ReLU is fused into it. */
const reluFollows = (plan: NetPlan, i: number): boolean => {
  const o = plan.ops[i]!;
  const next = plan.ops[i + 1];
  return next?.op === 'relu' && next.x === o.y && readers(plan, o.y) === 1;
};

/** The plan's forward pass in tfjs; `w` holds tfjs-layout weights by name. */
function forward(plan: NetPlan, w: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor {
  const v = new Map<string, tf.Tensor>([['x', x]]);
  const get = (name: string, map: ReadonlyMap<string, tf.Tensor>): tf.Tensor => {
    const t = map.get(name);
    if (!t) throw new Error(`tfjs ${plan.name}: ${name} is missing`);
    return t;
  };
  const ops: readonly NetOp[] = plan.ops;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    const fuseRelu = (o.op === 'conv' || o.op === 'linear') && reluFollows(plan, i);
    let y: tf.Tensor;
    switch (o.op) {
      case 'conv': {
        const args = {
          x: get(o.x, v) as tf.Tensor4D,
          filter: get(`${o.name}.weight`, w) as tf.Tensor4D,
          strides: o.stride,
          pad: o.pad,
          dataFormat: 'NHWC' as const,
        };
        y = o.bias
          ? tf.fused.conv2d({ ...args, bias: get(`${o.name}.bias`, w), activation: fuseRelu ? 'relu' : 'linear' })
          : tf.conv2d(args.x, args.filter, o.stride, o.pad);
        if (!o.bias && fuseRelu) y = tf.relu(y);
        break;
      }
      case 'bn':
        throw new Error(`tfjs ${plan.name}: batch norm ${o.name} was not folded (it does not follow a convolution)`);
      case 'relu':
        y = tf.relu(get(o.x, v));
        break;
      case 'add':
        y = tf.add(get(o.x, v), get(o.x2, v));
        break;
      case 'maxpool':
        y = tf.maxPool(get(o.x, v) as tf.Tensor4D, o.k, o.stride, o.pad);
        break;
      case 'gap':
        y = tf.mean(get(o.x, v), [1, 2]);
        break;
      case 'flatten': {
        // The plan flattens NCHW: back to channels-first first, as the linear weights expect.
        const h = get(o.x, v);
        y = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [h.shape[0], -1]);
        break;
      }
      case 'linear':
        y = tf.fused.matMul({
          a: get(o.x, v) as tf.Tensor2D,
          b: get(`${o.name}.weight`, w) as tf.Tensor2D,
          bias: get(`${o.name}.bias`, w),
          activation: fuseRelu ? 'relu' : 'linear',
        });
        break;
    }
    v.set(o.y, y);
    if (fuseRelu) v.set(ops[++i]!.y, y);
  }
  return get(plan.output, v);
}

/** Inference runner for a tfjs backend: folded weights in tfjs layouts, NHWC input, logits per run. */
export async function tfjsConvNetInfer(backend: 'cpu' | 'wasm' | 'webgpu', d: ConvNetInferData, tooSlow?: string): Promise<Runner> {
  const skip = tfjsConvNetSkip(backend, d) ?? tooSlow;
  if (skip) throw new NotApplicable(skip);
  const { plan, weights } = foldBatchNorms(d.plan, d.weights);
  const get = weightLookup(weights, `tfjs ${plan.name}`);
  const w = new Map<string, tf.Tensor>();
  for (const o of plan.ops) {
    if (o.op === 'conv') {
      const p = get(`${o.name}.weight`);
      w.set(p.name, tf.tensor4d(oihwToHwio(p.values, p.shape), [o.k, o.k, o.cin, o.cout]));
    } else if (o.op === 'linear') {
      const p = get(`${o.name}.weight`);
      // [in, out], a Dense kernel's layout (tfjs-backend-wasm's fused matMul with transposeB gave wrong logits here).
      w.set(p.name, tf.tidy(() => tf.transpose(tf.tensor2d(p.values, [o.out, o.in]))));
    } else continue;
    if (o.op === 'linear' || o.bias) w.set(`${o.name}.bias`, tf.tensor1d(get(`${o.name}.bias`).values));
  }
  const s = plan.size;
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(d.x, [d.batch, plan.inChannels, s, s]), [0, 2, 3, 1]) as tf.Tensor4D);
  return {
    async run() {
      const logits = tf.tidy(() => forward(plan, w, x));
      const out = (await logits.data()) as Float32Array;
      logits.dispose();
      return out;
    },
    dispose() {
      for (const t of [...w.values(), x]) t.dispose();
    },
  };
}
