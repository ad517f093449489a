import { type CompileStats, type Tensor, compile, noGrad, tidy } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { type Optimizer, clipGradNorm } from '@tessera/optim';
import type { Callback } from './callbacks/callback.js';
import type { MeanMetric, Metric } from './metrics.js';
import { type Batch, RowBatch, batchSizeOf, inputList } from './data.js';
import type { LossFn } from './resolve.js';

/** What one training step needs. */
export interface StepParts {
  readonly model: AnyModule;
  readonly lossFn: LossFn;
  readonly optimizer: Optimizer;
  readonly metrics: readonly Metric[];
  readonly lossMean: MeanMetric;
  readonly clip: number | undefined;
  /** Callbacks whose `onBatchLoss` runs inside the step. */
  readonly callbacks?: readonly Callback[];
}

/** A training step: trains on one batch, returns its mean loss (detached, on the device). */
export interface TrainStep {
  run(batch: Batch | RowBatch): Tensor;
  /** The compiled step's counters, or null when the step runs eagerly. */
  readonly stats: CompileStats | null;
  /** Frees what a compiled step holds. */
  dispose(): void;
}


/** What a step returns: the loss, and for metrics updated after it the predictions and the batch's targets (when rows were selected). */
export interface StepOut {
  readonly loss: Tensor;
  readonly pred: Tensor | null;
  readonly y: Tensor | null;
}

/** @internal The batch itself, or its rows of the whole data (`RowBatch`), selected on the device. */
export function selectRows(xs: readonly Tensor[], y: Tensor, rows: Tensor | null): { x: Tensor[]; y: Tensor } {
  return rows ? { x: xs.map((t) => t.indexSelect(0, rows)), y: y.indexSelect(0, rows) } : { x: [...xs], y };
}

/** @internal Updates the metrics that run after a step from its predictions, then frees them. */
export function afterStep(outer: readonly Metric[], out: StepOut, y: Tensor): void {
  if (!out.pred) return;
  const target = out.y ?? y;
  noGrad(() => outer.forEach((m) => m.update(out.pred!, target)));
  out.pred.dispose();
  out.y?.dispose();
}

/**
 * Forward, loss, backward, clipping, optimizer update, and the metrics and running loss:
 * compiled with `compile` from @tessera/core when asked and the optimizer allows it (see
 * `Optimizer.compilable`), so after the first batches each step replays its kernels.
 * Metrics that are not `compilable` are updated after the step from its predictions.
 */
export function trainStep(parts: StepParts, compiled: boolean): TrainStep {
  const { model, lossFn, optimizer, metrics, lossMean, clip } = parts;
  const onLoss = (parts.callbacks ?? []).filter((c) => c.onBatchLoss);
  const canCompile = compiled && optimizer.compilable;
  const inner = canCompile ? metrics.filter((m) => m.compilable) : [];
  const outer = metrics.filter((m) => !inner.includes(m));
  const body = (xs: Tensor[], ys: Tensor, rows: Tensor | null, size: number, _key: string): StepOut => {
    const { x, y } = selectRows(xs, ys, rows);
    optimizer.zeroGrad();
    const pred = model.call(...x) as Tensor;
    const l = lossFn(pred, y);
    l.backward();
    if (clip !== undefined) clipGradNorm(optimizer.paramGroups.flatMap((g) => g.params), clip).dispose();
    const loss = l.detach();
    noGrad(() => {
      lossMean.accumulate(loss, size);
      onLoss.forEach((c) => c.onBatchLoss!(loss));
      inner.forEach((m) => m.update(pred, y));
    });
    optimizer.step();
    return outer.length > 0 ? { loss, pred: pred.detach(), y: rows ? y : null } : { loss, pred: null, y: null };
  };
  const fn = canCompile ? compile(body, { name: 'fit train step' }) : null;
  return {
    run(batch) {
      // The key holds what the trace bakes in besides shapes: optimizer options, train mode.
      const key = canCompile ? `${optimizer.compileKey()}|${model.training}` : '';
      const rows = batch instanceof RowBatch ? batch.rows : null;
      const size = batchSizeOf(batch);
      const args = [inputList(batch.x), batch.y, rows, size, key] as const;
      const out = fn ? fn(...args) : tidy(() => body(...args));
      lossMean.count(size);
      afterStep(outer, out, batch.y);
      return out.loss;
    },
    get stats() {
      return fn ? fn.stats : null;
    },
    dispose() {
      fn?.dispose();
    },
  };
}
