import { type Tensor, concat, isTensor, keep, noGrad, tidy } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import type { Logs } from './callbacks/callback.js';
import { type DataSource, batchSizeOf, epochsOf, toBatch } from './data.js';
import { MeanMetric, releaseMetric } from './metrics.js';
import { type LossFn, type MetricSpec, resolveLoss, resolveMetrics } from './resolve.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Loss to report as `loss` (optional). */
  readonly loss?: LossFn | string;
  readonly metrics?: readonly MetricSpec[];
  /** Batch size when data is `{ x, y }` tensors (default 32). */
  readonly batchSize?: number;
  /** Number of classes for precision/recall/F1 (default: from the predictions). */
  readonly numClasses?: number;
}

/** Runs fn with the whole model in eval mode, restoring each module's mode afterwards. */
export async function inEvalMode<T>(model: AnyModule, fn: () => Promise<T>): Promise<T> {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return await fn();
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

const inputs = (x: Tensor | readonly Tensor[]): Tensor[] => (isTensor(x) ? [x] : [...x]);

/**
 * Loss and metrics of `model` over `data`, in eval mode without gradients (Keras'
 * `evaluate`). Values accumulate on the device and are read once at the end.
 *
 * @example
 * const { loss, accuracy } = await evaluate(net, { x: xTest, y: yTest }, { loss: 'crossEntropy', metrics: ['accuracy'] });
 */
export async function evaluate(model: AnyModule, data: DataSource, opts: EvaluateOptions = {}): Promise<Logs> {
  const lossFn = opts.loss === undefined ? null : resolveLoss(opts.loss);
  const metrics = resolveMetrics(opts.metrics ?? [], opts.numClasses);
  const mean = new MeanMetric('loss');
  try {
    await inEvalMode(model, async () => {
      for await (const raw of epochsOf(data, opts.batchSize ?? 32, false).batches()) {
        const b = toBatch(raw, 'evaluate');
        noGrad(() =>
          tidy(() => {
            const pred = model.call(...inputs(b.x)) as Tensor;
            if (lossFn) mean.update(lossFn(pred, b.y), batchSizeOf(b));
            metrics.forEach((m) => m.update(pred, b.y));
          }),
        );
      }
    });
    const logs: Logs = {};
    if (lossFn) logs.loss = await mean.result();
    for (const m of metrics) logs[m.name] = await m.result();
    return logs;
  } finally {
    releaseMetric(mean);
    metrics.forEach(releaseMetric);
  }
}

/**
 * The model's outputs for every example of `x` (a tensor, batched for you, or an iterable
 * of input batches), concatenated along the batch axis; eval mode, no gradients.
 */
export async function predict(model: AnyModule, x: Tensor | AsyncIterable<Tensor> | Iterable<Tensor>, opts: { batchSize?: number } = {}): Promise<Tensor> {
  const parts: Tensor[] = [];
  try {
    await inEvalMode(model, async () => {
      const batches = isTensor(x) ? splitBatches(x, opts.batchSize ?? 32) : x;
      for await (const xb of batches) parts.push(keep(noGrad(() => tidy(() => model.call(xb) as Tensor))));
    });
    return parts.length === 1 ? (parts.pop() as Tensor) : concat(parts, 0);
  } finally {
    parts.forEach((p) => p.dispose());
  }
}

function* splitBatches(x: Tensor, size: number): Generator<Tensor> {
  for (let i = 0; i < x.shape[0]; i += size) {
    const part = x.narrow(0, i, Math.min(size, x.shape[0] - i));
    try {
      yield part;
    } finally {
      part.dispose();
    }
  }
}
