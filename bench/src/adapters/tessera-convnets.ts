/**
 * The Tessera columns of the convnet rows: the zoo model itself (ResNet, VGG from
 * @tessera/models) with the row's weights loaded strictly (so the bench's plan and the zoo
 * agree on every name and shape), batch norms folded by `fuseBatchNorm` where the row asks,
 * and the training step with @tessera/optim's SGD (momentum) on `crossEntropyLoss`.
 */
import { manualSeed, noGrad, tensor, tidy, type Tensor } from '@tessera/core';
import { crossEntropyLoss, fuseBatchNorm, loadStateDict, stateDict, type AnyModule, type StateDict } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import type { ConvNetInferData, ConvNetTrainData } from '../convnets/data.js';
import type { Named } from '../data.js';
import type { Runner } from './types.js';

/**
 * Loads `weights` into `net` (strict: a name or shape the zoo does not have, or a zoo
 * parameter the weights lack, throws). The integer `num_batches_tracked` counters keep the
 * model's own values.
 */
function loadWeights(net: AnyModule, weights: readonly Named[]): void {
  const made = weights.map((w) => [w.name, tensor(w.values, { shape: w.shape })] as const);
  const dict: StateDict = Object.fromEntries(made);
  for (const [k, t] of Object.entries(stateDict(net))) if (!(k in dict) && k.endsWith('num_batches_tracked')) dict[k] = t;
  try {
    loadStateDict(net, dict);
  } finally {
    for (const [, t] of made) t.dispose();
  }
}

/** Tolerance handed to fuseBatchNorm's own fused-vs-unfused check (relative to the logits' scale; its default). */
const FUSE_TOLERANCE = 1e-5;

/** Inference runner: eval mode, the row's weights, folded batch norms if asked; logits per run. */
export async function tesseraConvNetInfer(d: ConvNetInferData): Promise<Runner> {
  const net = d.zoo();
  net.eval();
  loadWeights(net, d.weights);
  const x = tensor(d.x, { shape: [d.batch, d.plan.inChannels, d.plan.size, d.plan.size] });
  try {
    if (d.fuse) {
      // fuseBatchNorm compares max|Δ| with the logits' scale; the row also checks the folded
      // logits against onnxruntime's to 1e-4 of their scale.
      const { folded } = await fuseBatchNorm(net, x, { tolerance: FUSE_TOLERANCE });
      if (folded.length === 0) throw new Error(`fuseBatchNorm folded nothing in ${d.plan.name}`);
    }
  } catch (e) {
    net.dispose();
    x.dispose();
    throw e;
  }
  return {
    async run() {
      const logits = noGrad(() => tidy(() => net.call(x) as Tensor));
      const out = (await logits.data()) as Float32Array;
      logits.dispose();
      return out;
    },
    dispose() {
      net.dispose();
      x.dispose();
    },
  };
}

/** Training runner: one step per run (forward, cross-entropy, backward, SGD with momentum); probe [loss, ...fc.bias]. */
export async function tesseraConvNetTrain(d: ConvNetTrainData): Promise<Runner> {
  manualSeed(d.seed);
  const net = d.zoo();
  net.train();
  const opt = new SGD(net.parameters(), { lr: d.lr, momentum: d.momentum });
  const x = tensor(d.x, { shape: [d.batch, d.inChannels, d.size, d.size] });
  const y = tensor(d.y, { dtype: 'int32', shape: [d.batch] });
  const fcBias = stateDict(net)['fc.bias'];
  if (!fcBias) throw new Error(`${d.name}: the zoo model has no fc.bias`);
  return {
    async run() {
      const loss = tidy(() => {
        const l = crossEntropyLoss(net.call(x) as Tensor, y);
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      const l = (await loss.data())[0];
      loss.dispose();
      return Float32Array.of(l, ...((await fcBias.data()) as Float32Array));
    },
    dispose() {
      opt.dispose();
      net.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
