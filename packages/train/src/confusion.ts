import { type Tensor, concat, oneHot, tidy, ConfigError } from '@tessera/core';
import { DeviceSum, type Metric, type MetricState, finiteRows, targetIndices } from './metric-parts.js';

/**
 * Per-class counts: `matrix[t][p]` = examples of true class t predicted as p. A prediction
 * with a NaN or ±Infinity score predicts no class: it is counted per true class in
 * `nonFinite()` (so it lowers recall and adds to support) and is never a true positive.
 */
export class ConfusionMatrix {
  // [C, C + 1]: the matrix, then one column counting non-finite predictions per true class.
  private readonly sum = new DeviceSum();
  /** Number of classes; `undefined`: taken from the first batch's predictions [N, C]. */
  constructor(public numClasses?: number) {}
  /** Adds a batch (on device: one-hot(true)ᵀ · [one-hot(pred) | non-finite]). */
  update(pred: Tensor, target: Tensor): void {
    tidy(() => {
      const c = (this.numClasses ??= pred.shape[1]);
      const t = oneHot(targetIndices(pred, target, 'confusionMatrix'), c);
      const ok = finiteRows(pred).cast('float32').reshape([-1, 1]);
      const p = oneHot(pred.argmax(1), c).mul(ok);
      this.sum.add(t.matmul(concat([p, ok.neg().add(1)], 1), { transposeA: true }));
    });
  }
  private async table(): Promise<number[][]> {
    const v = await this.sum.read();
    const c = this.numClasses ?? 0;
    return Array.from({ length: c }, (_, i) => Array.from({ length: c + 1 }, (_, j) => (v ? Math.round(v[i * (c + 1) + j]) : 0)));
  }
  /** The matrix as rows of counts. */
  async result(): Promise<number[][]> {
    return (await this.table()).map((row) => row.slice(0, -1));
  }
  /** Examples of each true class whose prediction had a NaN or ±Infinity score. */
  async nonFinite(): Promise<number[]> {
    return (await this.table()).map((row) => row[row.length - 1]);
  }
  /** The counts as numbers, for checkpoints (`count` is the number of classes). */
  async state(): Promise<MetricState> {
    return { sums: await this.sum.values(), count: this.numClasses ?? 0 };
  }
  /** Continues from `state()`. */
  restore(s: MetricState): void {
    const c = s.count;
    if (s.sums.length !== 0 && s.sums.length !== c * (c + 1)) {
      throw new ConfigError(
        `confusionMatrix: a saved state of ${s.sums.length} counts does not fit ${c} classes (expected ${c * (c + 1)}).`,
      );
    }
    if (this.numClasses !== undefined && c !== 0 && c !== this.numClasses) {
      throw new ConfigError(`confusionMatrix: the saved state has ${c} classes but this metric has ${this.numClasses}.`);
    }
    if (c > 0) this.numClasses = c;
    this.sum.restore(s.sums, [c, c + 1]);
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

/**
 * Per-class precision/recall/F1 (0 where undefined, as scikit-learn's zero_division=0).
 * `nonFinite` (from `ConfusionMatrix.nonFinite()`) adds the examples with a non-finite
 * prediction to each class's support, as misses.
 */
export function classScores(matrix: readonly (readonly number[])[], nonFinite: readonly number[] = []): ClassScores[] {
  return matrix.map((row, k) => {
    const tp = row[k];
    const support = row.reduce((a, b) => a + b, 0) + (nonFinite[k] ?? 0);
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
    const s = classScores(await this.cm.result(), await this.cm.nonFinite());
    return s.length === 0 ? 0 : s.reduce((a, c) => a + c[this.score], 0) / s.length;
  }
  state(): Promise<MetricState> {
    return this.cm.state();
  }
  restore(s: MetricState): void {
    this.cm.restore(s);
  }
  reset(): void {
    this.cm.reset();
  }
  /** Frees the device totals. */
  dispose(): void {
    this.cm.dispose();
  }
}
