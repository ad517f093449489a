import { type CompileStats, type Tensor, compile, concat, isTensor, keep, noGrad, scalar, tidy } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import type { Logs } from './callbacks/callback.js';
import { type DataSource, RowBatch, batchSizeOf, epochsOf, inputList, toBatch } from './data.js';
import { type StepOut, afterStep, selectRows } from './step.js';
import { MeanMetric, releaseMetric } from './metrics.js';
import { type LossFn, type MetricSpec, isKnownLoss, resolveLoss, resolveMetrics } from './resolve.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Loss to report as `loss` (optional). */
  readonly loss?: LossFn | string;
  readonly metrics?: readonly MetricSpec[];
  /** Batch size when data is `{ x, y }` tensors (default 32). */
  readonly batchSize?: number;
  /** Number of classes for precision/recall/F1 (default: from the predictions). */
  readonly numClasses?: number;
  /** Compile the evaluation step (default: when the loss is built in; see `fit`). */
  readonly compile?: boolean;
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


/** Evaluates a model on data sets, reusing its metrics and compiled step between calls. */
export interface Evaluator {
  /** Loss and metrics over `data` (values read once at the end). */
  run(data: DataSource): Promise<Logs>;
  /** The compiled step's counters, or null when it runs eagerly. */
  readonly stats: CompileStats | null;
  /** Frees the metrics' device state and the compiled step. */
  dispose(): void;
}

/**
 * An evaluator for `model` (what `fit` uses after each epoch): one compiled evaluation step
 * (forward, loss, metrics, under noGrad) when `compiled` and the loss is known, replayed
 * for every batch of every call; metrics that are not `compilable` update after it.
 */
export function evaluator(model: AnyModule, opts: EvaluateOptions, compiled: boolean): Evaluator {
  const lossFn = opts.loss === undefined ? null : resolveLoss(opts.loss);
  const metrics = resolveMetrics(opts.metrics ?? [], opts.numClasses);
  const mean = new MeanMetric('loss');
  const inner = compiled ? metrics.filter((m) => m.compilable) : [];
  const outer = metrics.filter((m) => !inner.includes(m));
  const body = (xs: Tensor[], ys: Tensor, rows: Tensor | null, size: number): StepOut =>
    noGrad(() => {
      const { x, y } = selectRows(xs, ys, rows);
      const pred = model.call(...x) as Tensor;
      const loss = lossFn ? lossFn(pred, y) : scalar(0);
      if (lossFn) mean.accumulate(loss, size);
      inner.forEach((m) => m.update(pred, y));
      return outer.length > 0 ? { loss, pred, y: rows ? y : null } : { loss, pred: null, y: null };
    });
  const fn = compiled ? compile(body, { name: 'evaluation step' }) : null;
  return {
    async run(data) {
      // Start clean: fit may hand its training metric objects here too (read, not yet reset).
      mean.reset();
      metrics.forEach((m) => m.reset());
      try {
        await inEvalMode(model, async () => {
          for await (const raw of epochsOf(data, opts.batchSize ?? 32, false).batches()) {
            const b = toBatch(raw, 'evaluate');
            const size = batchSizeOf(b);
            const args = [inputList(b.x), b.y, b instanceof RowBatch ? b.rows : null, size] as const;
            const out = fn ? fn(...args) : tidy(() => body(...args));
            mean.count(size);
            afterStep(outer, out, b.y);
            out.loss.dispose();
          }
        });
        const logs: Logs = {};
        if (lossFn) logs.loss = await mean.result();
        for (const m of metrics) logs[m.name] = await m.result();
        return logs;
      } finally {
        mean.reset();
        metrics.forEach((m) => m.reset());
      }
    },
    get stats() {
      return fn ? fn.stats : null;
    },
    dispose() {
      fn?.dispose();
      releaseMetric(mean);
      metrics.forEach(releaseMetric);
    },
  };
}

/**
 * Loss and metrics of `model` over `data`, in eval mode without gradients (Keras'
 * `evaluate`). Values accumulate on the device and are read once at the end. With a
 * built-in loss the evaluation step is compiled (`compile: false` turns it off).
 *
 * @example
 * const { loss, accuracy } = await evaluate(net, { x: xTest, y: yTest }, { loss: 'crossEntropy', metrics: ['accuracy'] });
 */
export async function evaluate(model: AnyModule, data: DataSource, opts: EvaluateOptions = {}): Promise<Logs> {
  const ev = evaluator(model, opts, opts.compile ?? (opts.loss === undefined || isKnownLoss(opts.loss)));
  try {
    return await ev.run(data);
  } finally {
    ev.dispose();
  }
}

/**
 * The model's outputs for every example of `x` (a tensor, batched for you, or an iterable
 * of input batches), concatenated along the batch axis; eval mode, no gradients.
 */
export async function predict(
  model: AnyModule,
  x: Tensor | AsyncIterable<Tensor> | Iterable<Tensor>,
  opts: { batchSize?: number } = {},
): Promise<Tensor> {
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
