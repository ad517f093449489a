import { ConfigError } from '@tessera/core';
import type { Tensor } from '@tessera/core';
import {
  bceLoss, bceWithLogitsLoss, crossEntropyLoss, exponentialLoss, hingeLoss, huberLoss, l1Loss, logisticLoss, mseLoss, nllLoss,
  smoothL1Loss, squaredHingeLoss,
} from '@tessera/layers';
import { type Metric, type MetricName, metricByName } from './metrics.js';

/** A loss: predictions and targets to a scalar tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** A metric by name or as an object. */
export type MetricSpec = MetricName | (string & {}) | Metric;

// Every built-in loss with its default options (mean reduction), by its @tessera/layers name
// without the "Loss" suffix; the binary ones keep their spelled-out names (bceLoss is
// 'binaryCrossEntropy', bceWithLogitsLoss 'binaryCrossEntropyWithLogits').
const losses = new Map<string, LossFn>([
  ['crossEntropy', (p, t) => crossEntropyLoss(p, t)],
  // Text models: logits [..., V] against token ids [...], padding (id 0, `Vocab.PAD`) ignored, mean over real tokens.
  ['tokenCrossEntropy', (p, t) => crossEntropyLoss(p.reshape([-1, p.shape[p.rank - 1]!]), t.reshape([-1]), { ignoreIndex: 0 })],
  ['nll', (p, t) => nllLoss(p, t)],
  ['mse', (p, t) => mseLoss(p, t)],
  ['l1', (p, t) => l1Loss(p, t)],
  ['huber', (p, t) => huberLoss(p, t)],
  ['smoothL1', (p, t) => smoothL1Loss(p, t)],
  ['binaryCrossEntropy', (p, t) => bceLoss(p, t)],
  ['binaryCrossEntropyWithLogits', (p, t) => bceWithLogitsLoss(p, t)],
  ['logistic', (p, t) => logisticLoss(p, t)],
  ['hinge', (p, t) => hingeLoss(p, t)],
  ['squaredHinge', (p, t) => squaredHingeLoss(p, t)],
  ['exponential', (p, t) => exponentialLoss(p, t)],
]);

/** Makes a loss available by name to `fit`, `compile` and the CLI. */
export function registerLoss(name: string, fn: LossFn): void {
  losses.set(name, fn);
}

/** Names `resolveLoss` knows. */
export function lossNames(): string[] {
  return [...losses.keys()].sort();
}

const builtins = new Set<unknown>([
  crossEntropyLoss, nllLoss, mseLoss, l1Loss, huberLoss, smoothL1Loss, bceLoss, bceWithLogitsLoss,
  logisticLoss, hingeLoss, squaredHingeLoss, exponentialLoss,
]);

/**
 * Whether a loss is one `fit` may compile without being told: a name, a registered loss or
 * a @tessera/layers loss function (none has host side effects). Other functions may count
 * calls or read values, which a compiled replay would not repeat; `fit` compiles them only
 * with `compile: true`.
 */
export function isKnownLoss(loss: LossFn | string): boolean {
  return typeof loss === 'string' || builtins.has(loss) || [...losses.values()].includes(loss);
}

/** A loss function from a name or the function itself. */
export function resolveLoss(loss: LossFn | string): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = losses.get(loss);
  if (!fn) throw new ConfigError(`unknown loss '${loss}'; known: ${lossNames().join(', ')}, or pass a function (pred, target) => scalar.`);
  return fn;
}

/** Metric objects from names or objects (fresh objects for names). */
export function resolveMetrics(specs: readonly MetricSpec[], numClasses?: number): Metric[] {
  return specs.map((s) => (typeof s === 'string' ? metricByName(s, numClasses) : s));
}
