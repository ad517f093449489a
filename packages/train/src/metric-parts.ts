import { Parameter, ShapeError, type Tensor, fmtShape, noGrad, tensor, tidy, zerosLike, } from '@tessera/core';

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
  /** Continues from a `state()`; throws a `ConfigError` if it does not fit this metric. */
  restore?(state: MetricState): void;
  /**
   * True when `update` keeps all its state on the device, updated in place (see `compile`
   * in @tessera/core): `fit` then runs it inside the compiled training step. Other metrics
   * are updated after the step, from its predictions.
   */
  readonly compilable?: boolean;
  /** Frees the device state for good (`reset` may keep zeroed buffers); the metric stays usable. */
  dispose?(): void;
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
 * values can be read back for a checkpoint and restored from one. The total is a buffer
 * updated in place, so a compiled step that adds to it replays correctly.
 */
export class DeviceSum {
  private total: Parameter | null = null;
  add(v: Tensor): void {
    noGrad(() => this.set(this.total && sameShape(this.total, v) ? this.total.add(v) : v));
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
    if (values.length > 0) tidy(() => this.set(tensor([...values], { shape: [...shape] })));
  }
  /** Zeroes the total in place (the buffer keeps its identity across epochs). */
  reset(): void {
    const t = this.total;
    if (t) tidy(() => t.assign(zerosLike(t)));
  }
  /** Frees the total. */
  free(): void {
    this.total?.dispose();
    this.total = null;
  }
  private set(v: Tensor): void {
    const t = this.total;
    if (t && sameShape(t, v) && t.dtype === v.dtype) t.assign(v);
    else {
      t?.dispose();
      this.total = new Parameter(v.clone(), { requiresGrad: false });
    }
  }
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** Frees a metric's device state at the end of a run (`dispose` where it has one, else `reset`). */
export function releaseMetric(m: { reset(): void; dispose?(): void }): void {
  if (m.dispose) m.dispose();
  else m.reset();
}

/**
 * @internal True for the rows of predictions [N, C] whose scores are all finite: x − x is
 * 0 for a finite x and NaN for NaN or ±Infinity, and a NaN poisons the row's sum.
 */
export function finiteRows(pred: Tensor): Tensor {
  return pred.sub(pred).sum(1).equal(0);
}
