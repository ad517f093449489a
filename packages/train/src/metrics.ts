import { Parameter, ShapeError, type Tensor, fmtShape, noGrad, oneHot, scalar, tidy, zerosLike } from '@tessera/core';
import { TrainConfigError } from './errors.js';

/**
 * A metric accumulated on the device over batches: `update` adds a batch (no readback),
 * `result` reads the total once. `reset` starts a new epoch.
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
  /**
   * True when `update` keeps all its state on the device, updated in place (see
   * `compile` in @tessera/core): `fit` then runs it inside the compiled training step.
   * Other metrics are updated after the step, from its predictions.
   */
  readonly compilable?: boolean;
  /** Frees the device state for good (`reset` may keep zeroed buffers); the metric stays usable. */
  dispose?(): void;
}

/** Frees a metric's device state at the end of a run (`dispose` where it has one, else `reset`). */
export function releaseMetric(m: Metric | MeanMetric): void {
  if (m.dispose) m.dispose();
  else m.reset();
}

/** Class indices from targets given as indices [N] (int32) or one-hot/probabilities [N, C]. */
function targetIndices(pred: Tensor, target: Tensor, who: string): Tensor {
  if (pred.rank !== 2) throw new ShapeError(`${who}: expected predictions [N, C] but got ${fmtShape(pred.shape)}.`);
  if (target.rank === 2 && target.shape[1] === pred.shape[1]) return target.argmax(1);
  if (target.rank === 1 && target.shape[0] === pred.shape[0]) return target.dtype === 'int32' ? target : target.cast('int32');
  throw new ShapeError(
    `${who}: targets ${fmtShape(target.shape)} do not match predictions ${fmtShape(pred.shape)}; pass class indices [N] or one-hot [N, C].`,
  );
}

/**
 * A running on-device sum (a scalar or a matrix) that survives tidy scopes. The total is
 * a buffer updated in place, so a compiled step that adds to it replays correctly.
 */
class DeviceSum {
  private total: Parameter | null = null;
  add(v: Tensor): void {
    noGrad(() => {
      const t = this.total;
      if (t && !t.isDisposed && t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i])) t.assign(t.add(v));
      else {
        t?.dispose();
        this.total = new Parameter(v.clone(), { requiresGrad: false });
      }
    });
  }
  async read(): Promise<Float32Array | Float64Array | Int32Array | Uint8Array | null> {
    return this.total ? ((await this.total.data()) as Float32Array) : null;
  }
  /** Zeroes the total in place (the buffer keeps its identity across epochs). */
  reset(): void {
    const t = this.total;
    if (t && !t.isDisposed) tidy(() => t.assign(zerosLike(t)));
  }
  /** Frees the total. */
  free(): void {
    this.total?.dispose();
    this.total = null;
  }
}

/** Fraction of examples whose true class is among the `k` highest scores (k = 1: accuracy). */
export class TopKAccuracy implements Metric {
  readonly name: string;
  readonly compilable = true;
  private readonly correct = new DeviceSum();
  /** Examples seen, on the device (a host counter would not advance in compiled replays). */
  private readonly seen = new DeviceSum();
  constructor(readonly k = 1, name?: string) {
    this.name = name ?? (k === 1 ? 'accuracy' : `top${k}Accuracy`);
  }
  update(pred: Tensor, target: Tensor): void {
    tidy(() => {
      const idx = targetIndices(pred, target, this.name);
      // rank of the true class = how many classes score strictly higher (ties count in its favour)
      const trueScore = pred.gather(1, idx.reshape([-1, 1]));
      const rank = pred.greater(trueScore).cast('float32').sum(1);
      this.correct.add(rank.less(this.k).cast('float32').sum());
      this.seen.add(scalar(pred.shape[0]));
    });
  }
  async result(): Promise<number> {
    const [v, n] = await Promise.all([this.correct.read(), this.seen.read()]);
    return !n || n[0] === 0 || !v ? 0 : v[0] / n[0];
  }
  reset(): void {
    this.correct.reset();
    this.seen.reset();
  }
  /** Frees the device totals. */
  dispose(): void {
    this.correct.free();
    this.seen.free();
  }
}

/** Accuracy: fraction of argmax predictions equal to the target class. */
export function accuracy(): Metric {
  return new TopKAccuracy(1);
}

/** Per-class counts: `matrix[t][p]` = examples of true class t predicted as p. */
export class ConfusionMatrix {
  private readonly sum = new DeviceSum();
  /** Number of classes; `undefined`: taken from the first batch's predictions [N, C]. */
  constructor(public numClasses?: number) {}
  /** Adds a batch (on device: one-hot(true)ᵀ · one-hot(pred)). */
  update(pred: Tensor, target: Tensor): void {
    tidy(() => {
      const c = (this.numClasses ??= pred.shape[1]);
      const t = oneHot(targetIndices(pred, target, 'confusionMatrix'), c);
      const p = oneHot(pred.argmax(1), c);
      this.sum.add(t.matmul(p, { transposeA: true }));
    });
  }
  /** The matrix as rows of counts. */
  async result(): Promise<number[][]> {
    const v = await this.sum.read();
    const c = this.numClasses ?? 0;
    return Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => (v ? Math.round(v[i * c + j]) : 0)));
  }
  reset(): void {
    this.sum.reset();
  }
  /** Frees the device total. */
  dispose(): void {
    this.sum.free();
  }
}

/** Precision, recall and F1 of one class, from a confusion matrix. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** Per-class precision/recall/F1 (0 where undefined, as scikit-learn's zero_division=0). */
export function classScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  return matrix.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, r) => a + r[k], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

/** Macro-averaged precision, recall or F1 over classes, as a scalar metric. */
export class MacroScore implements Metric {
  readonly name: string;
  readonly compilable = true;
  private readonly cm: ConfusionMatrix;
  constructor(
    readonly score: 'precision' | 'recall' | 'f1',
    numClasses?: number,
  ) {
    this.cm = new ConfusionMatrix(numClasses);
    this.name = score;
  }
  update(pred: Tensor, target: Tensor): void {
    this.cm.update(pred, target);
  }
  async result(): Promise<number> {
    const s = classScores(await this.cm.result());
    return s.reduce((a, c) => a + c[this.score], 0) / s.length;
  }
  reset(): void {
    this.cm.reset();
  }
  /** Frees the device totals. */
  dispose(): void {
    this.cm.dispose();
  }
}

/** Mean of a per-batch scalar (the loss), weighted by batch size, accumulated on device. */
export class MeanMetric {
  private readonly sum = new DeviceSum();
  private n = 0;
  constructor(readonly name: string) {}
  /** Adds a batch mean `value` (a scalar tensor) computed over `n` examples. */
  update(value: Tensor, n: number): void {
    this.accumulate(value, n);
    this.count(n);
  }
  /** The device half of `update` (what a compiled step runs). */
  accumulate(value: Tensor, n: number): void {
    tidy(() => this.sum.add(value.mul(n)));
  }
  /** The host half of `update`: counts `n` examples. */
  count(n: number): void {
    this.n += n;
  }
  async result(): Promise<number> {
    const v = await this.sum.read();
    return this.n === 0 || !v ? NaN : v[0] / this.n;
  }
  /** The running sum and count (for checkpoints). */
  async state(): Promise<{ sum: number; count: number }> {
    const v = await this.sum.read();
    return { sum: v ? v[0] : 0, count: this.n };
  }
  /** Continues from a saved sum and count. */
  restore(sum: number, count: number): void {
    this.reset();
    if (count > 0) tidy(() => this.sum.add(scalar(sum)));
    this.n = count;
  }
  reset(): void {
    this.sum.reset();
    this.n = 0;
  }
  /** Frees the device total. */
  dispose(): void {
    this.sum.free();
    this.n = 0;
  }
}

/** Metric names `fit`/`compile` accept. */
export type MetricName = 'accuracy' | 'top5Accuracy' | 'precision' | 'recall' | 'f1';

/** Resolves a metric name (precision/recall/f1 count classes from the predictions unless given). */
export function metricByName(name: MetricName | string, numClasses?: number): Metric {
  const m = /^top(\d+)Accuracy$/.exec(name);
  if (name === 'accuracy' || name === 'acc') return accuracy();
  if (m) return new TopKAccuracy(Number(m[1]));
  if (name === 'precision' || name === 'recall' || name === 'f1') return new MacroScore(name, numClasses);
  throw new TrainConfigError(`metrics: unknown metric '${name}'; known: accuracy, topKAccuracy (e.g. top5Accuracy), precision, recall, f1, or a Metric object.`);
}
