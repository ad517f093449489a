import { type Tensor, scalar, tidy, ConfigError } from '@tessera/core';
import { MacroScore } from './confusion.js';
import { DeviceSum, type Metric, type MetricState, finiteRows, targetIndices } from './metric-parts.js';

export type { Metric, MetricState } from './metric-parts.js';
export { releaseMetric } from './metric-parts.js';
export { ConfusionMatrix, MacroScore, classScores, type ClassScores } from './confusion.js';

/** @internal Checks a saved metric state's shape before restoring it. */
function checkState(who: string, s: MetricState, sums: number): void {
  if (!(s.sums.length === 0 || s.sums.length === sums) || !(Number.isInteger(s.count) && s.count >= 0)) {
    throw new ConfigError(
      `${who}: a saved metric state needs ${sums} sum(s) and a non-negative integer count; got ${s.sums.length} sum(s) and count ` +
        `${s.count}.`,
    );
  }
}

/**
 * Fraction of examples whose true class is among the `k` highest scores (k = 1: accuracy).
 * An example whose scores include NaN or ±Infinity counts as wrong.
 */
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
      // NaN compares false, so a NaN row would rank first: it must count as wrong instead.
      this.correct.add(rank.less(this.k).logicalAnd(finiteRows(pred)).cast('float32').sum());
      this.seen.add(scalar(pred.shape[0]));
    });
  }
  async result(): Promise<number> {
    const [v, n] = await Promise.all([this.correct.read(), this.seen.read()]);
    return !n || n[0] === 0 || !v ? 0 : v[0] / n[0];
  }
  async state(): Promise<MetricState> {
    const [sums, n] = await Promise.all([this.correct.values(), this.seen.values()]);
    return { sums, count: n[0] ?? 0 };
  }
  restore(s: MetricState): void {
    checkState(this.name, s, 1);
    this.correct.restore(s.sums, []);
    this.seen.restore(s.count > 0 ? [s.count] : [], []);
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
  throw new ConfigError(
    `metrics: unknown metric '${name}'; known: accuracy, topKAccuracy (e.g. top5Accuracy), precision, recall, f1, or a Metric object.`,
  );
}
