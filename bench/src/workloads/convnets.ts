/**
 * Real convnets from @tessera/models (issue 24): ResNet-18 inference at 224² (batch 1 and
 * 8, batch norms folded by fuseBatchNorm; batch 1 also unfused), CIFAR ResNet-20 training
 * steps (batch 128, SGD momentum 0.9, cross-entropy) and VGG-11 inference at 224² batch 1.
 * Each row runs on 1 and on 2 threads (ids end in -1t / -2t) for the thread-scaling table.
 * Inference rows require every library to agree with Tessera to 1e-4 relative before timing.
 */
import { resnet, vgg } from '@tessera/models';
import { labels, randn, rng } from '../data.js';
import { CONVNET_THREADS, type ConvNetInferData, type ConvNetTrainData } from '../convnets/data.js';
import { resnetPlan, vggPlan, type NetPlan } from '../convnets/plan.js';
import { planWeights } from '../convnets/weights.js';
import { once, type Workload } from './types.js';

/** Relative agreement the inference rows require of every library. */
const CONVNET_TOLERANCE = 1e-4;
const RESNET18_BATCHES = [1, 8] as const;
const RESNET20_BATCH = 128;

const resnet18 = once(() => {
  const plan = resnetPlan('resnet18');
  return { plan, weights: planWeights(plan, 18), zoo: () => resnet('resnet18') };
});
const vgg11 = once(() => {
  const plan = vggPlan('A');
  return { plan, weights: planWeights(plan, 11), zoo: () => vgg('A') };
});
/** Images for the largest batch; smaller batches take its first images. */
const images = once(() => randn(8 * 3 * 224 * 224, 1, rng(224)));
const cifar = once(() => {
  const next = rng(32);
  return { x: randn(RESNET20_BATCH * 3 * 32 * 32, 1, next), y: labels(RESNET20_BATCH, 10, next) };
});

interface Net {
  readonly plan: NetPlan;
  readonly weights: ConvNetInferData['weights'];
  readonly zoo: ConvNetInferData['zoo'];
}

function inferRow(family: string, label: string, net: () => Net, batch: number, threads: number, fuse: boolean): Workload {
  const data = once((): ConvNetInferData => {
    const n = net();
    return { ...n, batch, x: images().subarray(0, batch * 3 * n.plan.size * n.plan.size), threads, fuse };
  });
  return {
    id: `${family}-${threads}t`,
    label: `${label}, ${threads} thread${threads > 1 ? 's' : ''}`,
    unit: 'samples/s',
    throughput: (ms) => batch / (ms * 1e-3),
    prepare: (a) => a.convNetInfer?.(data()),
    probe: 'logits',
    tolerance: CONVNET_TOLERANCE,
    slow: true,
    threads,
    family,
  };
}

function trainRow(threads: number): Workload {
  const data = once((): ConvNetTrainData => ({
    name: 'resnet20',
    batch: RESNET20_BATCH,
    inChannels: 3,
    size: 32,
    ...cifar(),
    threads,
    zoo: () => resnet('resnet20'),
    seed: 20,
    lr: 0.1,
    momentum: 0.9,
  }));
  return {
    id: `resnet20-train-${threads}t`,
    label: `CIFAR ResNet-20 train b${RESNET20_BATCH} (SGD m0.9), ${threads} thread${threads > 1 ? 's' : ''}`,
    unit: 'samples/s',
    throughput: (ms) => RESNET20_BATCH / (ms * 1e-3),
    prepare: (a) => a.convNetTrain?.(data()),
    probe: 'loss + fc bias, step 1',
    slow: true,
    threads,
    family: 'resnet20-train',
  };
}

/** The convnet rows, each on 2 and on 1 thread(s); the unfused ResNet-18 once (2 threads). */
export function convNetWorkloads(): Workload[] {
  const rows: Workload[] = [];
  for (const b of RESNET18_BATCHES) {
    for (const t of CONVNET_THREADS) rows.push(inferRow(`resnet18-b${b}`, `ResNet-18 infer 224² b${b} (BN folded)`, resnet18, b, t, true));
  }
  rows.push(inferRow('resnet18-b1-unfused', 'ResNet-18 infer 224² b1 (BN unfused)', resnet18, 1, 2, false));
  for (const t of CONVNET_THREADS) rows.push(trainRow(t));
  // VGG-11 has no batch norm: nothing to fold.
  for (const t of CONVNET_THREADS) rows.push(inferRow('vgg11-b1', 'VGG-11 infer 224² b1', vgg11, 1, t, false));
  return rows;
}
