import { ShapeError, type Tensor, fmtShape, keep, noGrad, tensor } from '@tessera/core';

/**
 * What a metric has accumulated, as plain numbers: checkpoints store it so a run resumed
 * mid-epoch reports the same epoch metric as one never stopped.
 */
export interface MetricState {
  /** The on-device running sums, flattened (empty before the first batch). */
  readonly sums: readonly number[];
  /** Examples seen (or the metric's own counter). */
  readonly count: number;
}

/**
 * A metric accumulated on the device over batches: `update` adds a batch (no readback),
 * `result` reads the total once. `reset` starts a new epoch. Predictions with a NaN or
 * ±Infinity score count as wrong. `state`/`restore` (optional) let a checkpoint carry the
 * accumulated batches of an epoch in progress.
 */
export interface Metric {
  /** Key in logs and history (`accuracy`, `top5Accuracy`, `f1`, …). */
  readonly name: string;
  /** Adds one batch of predictions (logits or probabilities, [N, C]) and targets. */
  update(pred: Tensor, target: Tensor): void;
  /** The value over every batch since the last reset (one readback). */
  result(): Promise<number>;
  /** Forgets the accumulated batches (frees their tensors). */
  reset(): void;
  /** The accumulated batches as numbers (one readback). */
  state?(): Promise<MetricState>;
  /** Continues from a `state()`; throws a `TrainConfigError` if it does not fit this metric. */
  restore?(state: MetricState): void;
}

/** @internal Class indices from targets given as indices [N] (int32) or one-hot/probabilities [N, C]. */
export function targetIndices(pred: Tensor, target: Tensor, who: string): Tensor {
  if (pred.rank !== 2) throw new ShapeError(`${who}: expected predictions [N, C] but got ${fmtShape(pred.shape)}.`);
  if (target.rank === 2 && target.shape[1] === pred.shape[1]) return target.argmax(1);
  if (target.rank === 1 && target.shape[0] === pred.shape[0]) return target.dtype === 'int32' ? target : target.cast('int32');
  throw new ShapeError(
    `${who}: targets ${fmtShape(target.shape)} do not match predictions ${fmtShape(pred.shape)}; pass class indices [N] or one-hot [N, C].`,
  );
}

/**
 * @internal A running on-device sum (a scalar or a matrix) that survives tidy scopes; its
 * values can be read back for a checkpoint and restored from one.
 */
export class DeviceSum {
  private total: Tensor | null = null;
  add(v: Tensor): void {
    const prev = this.total;
    this.total = keep(noGrad(() => (prev ? prev.add(v) : v.clone())));
    prev?.dispose();
  }
  async read(): Promise<Float32Array | Float64Array | Int32Array | Uint8Array | null> {
    return this.total ? ((await this.total.data()) as Float32Array) : null;
  }
  /** The sum as plain numbers (empty before the first `add`). */
  async values(): Promise<number[]> {
    const v = await this.read();
    return v ? Array.from(v, Number) : [];
  }
  /** Replaces the sum with saved `values` of `shape` (nothing when `values` is empty). */
  restore(values: readonly number[], shape: readonly number[]): void {
    this.reset();
    if (values.length > 0) this.total = keep(tensor([...values], { shape: [...shape] }));
  }
  reset(): void {
    this.total?.dispose();
    this.total = null;
  }
}

/**
 * @internal True for the rows of predictions [N, C] whose scores are all finite: x − x is
 * 0 for a finite x and NaN for NaN or ±Infinity, and a NaN poisons the row's sum.
 */
export function finiteRows(pred: Tensor): Tensor {
  return pred.sub(pred).sum(1).equal(0);
}
