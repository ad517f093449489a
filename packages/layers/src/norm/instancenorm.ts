import { type Parameter, ShapeError, type Tensor, fmtShape, noGrad, tidy } from '@tessera/core';
import type { Buffer } from '../buffer.js';
import { expectFloat, expectShape, type ShapePattern } from '../check.js';
import { describeModule } from '../config/record.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { checkInt, checkRange, expectDType, type LayerDTypeOptions, normState, snakeCase } from './config.js';
import { standardize } from './standardize.js';

/** Options of `InstanceNorm1d` and `InstanceNorm2d` (PyTorch's defaults, which differ from BatchNorm's). */
export interface InstanceNormOptions extends LayerDTypeOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Weight of the new batch in the running estimates (default 0.1); used with `trackRunningStats`. */
  readonly momentum?: number;
  /** Learnable per-channel `weight` (ones) and `bias` (zeros) (default **false**). */
  readonly affine?: boolean;
  /**
   * Keep `running_mean`, `running_var` and `num_batches_tracked` (updated in training with
   * the instances' statistics averaged over the batch) and normalise with them in eval
   * mode (default **false**: every call uses the instance's own statistics).
   */
  readonly trackRunningStats?: boolean;
}

/** What differs between the InstanceNorm variants: the name and the spatial rank. */
interface InstanceNormSpec {
  readonly name: string;
  readonly spatial: readonly string[];
}

/**
 * Instance normalisation (Ulyanov et al. 2016; PyTorch's `_InstanceNorm`): each channel of
 * each sample is normalised over its spatial positions with its own mean and biased
 * variance, then optionally scaled and shifted per channel. Accepts batched [N, C, …] or
 * unbatched [C, …] input.
 */
export abstract class InstanceNormBase extends Module {
  /** Per-channel scale [C] (ones), null unless `affine`. */
  readonly weight: Parameter | null;
  /** Per-channel shift [C] (zeros), null unless `affine`. */
  readonly bias: Parameter | null;
  /** Running mean [C] (zeros), null unless `trackRunningStats` (key `running_mean`). */
  readonly runningMean: Buffer | null;
  /** Running unbiased variance [C] (ones), null unless `trackRunningStats` (key `running_var`). */
  readonly runningVar: Buffer | null;
  /**
   * Int32 scalar kept for PyTorch's state-dict layout (key `num_batches_tracked`); PyTorch
   * never updates it for instance norm, nor does this.
   */
  readonly numBatchesTracked: Buffer | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly dtype: FloatDType;
  readonly #spec: InstanceNormSpec;

  protected constructor(spec: InstanceNormSpec, readonly numFeatures: number, opts: InstanceNormOptions = {}) {
    super();
    this.#spec = spec;
    checkInt(spec.name, 'numFeatures', numFeatures);
    this.eps = checkRange(spec.name, 'eps', opts.eps ?? 1e-5, 0);
    this.momentum = checkRange(spec.name, 'momentum', opts.momentum ?? 0.1, 0, 1);
    this.affine = opts.affine ?? false;
    this.trackRunningStats = opts.trackRunningStats ?? false;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    ({
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      numBatchesTracked: this.numBatchesTracked,
    } = normState(numFeatures, dtype, this.affine, this.trackRunningStats));
  }

  protected override fieldKey(field: string): string {
    return snakeCase(field);
  }

  private get label(): string {
    return `${this.#spec.name}(${this.numFeatures})`;
  }

  forward(input: Tensor): Tensor {
    const { name, spatial } = this.#spec;
    expectFloat(this.label, input);
    const layouts: ShapePattern[] = [['N', this.numFeatures, ...spatial], [this.numFeatures, ...spatial]];
    expectShape(
      this.label,
      input,
      layouts,
      `${name} normalises each channel (axis 1, or 0 when unbatched) over its ${spatial.join(', ')} positions.`,
    );
    expectDType(this.label, input, this.dtype);
    const batched = input.rank === spatial.length + 2;
    const count = input.shape.slice(batched ? 2 : 1).reduce((a, b) => a * b, 1);
    const useInstanceStats = this.training || !this.trackRunningStats;
    if (useInstanceStats && count <= 1) {
      throw new ShapeError(`${this.label}: expected more than 1 spatial element per channel but got input of shape ` +
        `${fmtShape(input.shape)}; instance statistics need at least 2.`);
    }
    return tidy(() => {
      const x = batched ? input : input.unsqueeze(0);
      const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
      const axes = spatial.map((_, i) => i + 2);
      let y: Tensor;
      if (useInstanceStats) {
        const s = standardize(x, axes, this.eps);
        if (this.training && this.trackRunningStats) this.updateRunningStats(s.mean, s.variance, count);
        y = s.y;
      } else {
        y = x.sub(this.runningMean!.reshape(perChannel)).mul(this.runningVar!.add(this.eps).rsqrt().reshape(perChannel));
      }
      if (this.weight && this.bias) y = y.mul(this.weight.reshape(perChannel)).add(this.bias.reshape(perChannel));
      return batched ? y : y.squeeze(0);
    });
  }

  /**
   * As PyTorch: each instance updates a copy of the running stats; the copies are averaged
   * over the batch. `num_batches_tracked` stays 0, as PyTorch's `F.instance_norm` leaves it.
   */
  private updateRunningStats(mean: Tensor, biasedVar: Tensor, count: number): void {
    const { runningMean, runningVar, momentum: m } = this;
    if (!runningMean || !runningVar) return;
    const c = [this.numFeatures];
    noGrad(() => tidy(() => {
      runningMean.assign(runningMean.mul(1 - m).add(mean.mean(0).reshape(c).mul(m)));
      runningVar.assign(runningVar.mul(1 - m).add(biasedVar.mean(0).reshape(c).mul((m * count) / (count - 1))));
    }));
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, ` +
      `trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Instance normalisation of [N, C, L] sequences (or unbatched [C, L]) over L, per sample
 * and channel (PyTorch's `nn.InstanceNorm1d`). Defaults: affine false, trackRunningStats
 * false (so no parameters or buffers at all), eps 1e-5, momentum 0.1.
 *
 * @example
 * new InstanceNorm1d(64).call(x); // x: [N, 64, L]
 */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, opts: InstanceNormOptions = {}) {
    super({ name: 'InstanceNorm1d', spatial: ['L'] }, numFeatures, opts);
    describeModule(this, 'InstanceNorm1d', [numFeatures, opts], { owner: InstanceNorm1d });
  }
}

/**
 * Instance normalisation of [N, C, H, W] images (or unbatched [C, H, W]) over H·W, per
 * sample and channel (PyTorch's `nn.InstanceNorm2d`; style transfer's normalisation).
 * Same defaults as `InstanceNorm1d`.
 *
 * @example
 * new InstanceNorm2d(64, { affine: true }).call(x); // x: [N, 64, H, W]
 */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, opts: InstanceNormOptions = {}) {
    super({ name: 'InstanceNorm2d', spatial: ['H', 'W'] }, numFeatures, opts);
    describeModule(this, 'InstanceNorm2d', [numFeatures, opts], { owner: InstanceNorm2d });
  }
}
