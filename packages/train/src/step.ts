import { type CompileStats, type Tensor, compile, isTensor, noGrad, tidy } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { type Optimizer, clipGradNorm } from '@tessera/optim';
import type { Callback } from './callbacks/callback.js';
import type { MeanMetric, Metric } from './metrics.js';
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
  run(x: Tensor | readonly Tensor[], y: Tensor, size: number): Tensor;
  /** The compiled step's counters, or null when the step runs eagerly. */
  readonly stats: CompileStats | null;
  /** Frees what a compiled step holds. */
  dispose(): void;
}

const asList = (x: Tensor | readonly Tensor[]): Tensor[] => (isTensor(x) ? [x] : [...x]);

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
  const body = (x: Tensor[], y: Tensor, size: number, _key: string): { loss: Tensor; pred: Tensor | null } => {
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
    return { loss, pred: outer.length > 0 ? pred.detach() : null };
  };
  const fn = canCompile ? compile(body, { name: 'fit train step' }) : null;
  return {
    run(x, y, size) {
      // The key holds what the trace bakes in besides shapes: optimizer options, train mode.
      const key = canCompile ? `${optimizer.compileKey()}|${model.training}` : '';
      const { loss, pred } = fn ? fn(asList(x), y, size, key) : tidy(() => body(asList(x), y, size, key));
      lossMean.count(size);
      if (pred) {
        noGrad(() => outer.forEach((m) => m.update(pred, y)));
        pred.dispose();
      }
      return loss;
    },
    get stats() {
      return fn ? fn.stats : null;
    },
    dispose() {
      fn?.dispose();
    },
  };
}
