import { describeModule } from '../config/record.js';
import {
  type Parameter,
  ShapeError,
  type Tensor,
  batchNorm,
  batchNormStats,
  biasActivation,
  fmtShape,
  noGrad,
  ones,
  tidy,
  zeros,
} from '@tessera/core';
import type { Buffer } from '../buffer.js';
import { expectFloat, expectShape, type ShapePattern } from '../check.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { checkInt, checkRange, expectDType, type LayerDTypeOptions, normState, snakeCase } from './config.js';
import { LayerConfigError } from '../errors.js';

/** Options of `BatchNorm1d` and `BatchNorm2d` (PyTorch's defaults). */
export interface BatchNormOptions extends LayerDTypeOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /**
   * Weight of the new batch in the running estimates, `running = (1 − momentum)·running +
   * momentum·batch` (default 0.1). `null`: a cumulative average over all batches seen
   * (factor `1 / num_batches_tracked`), as PyTorch's `momentum=None`.
   */
  readonly momentum?: number | null;
  /** Learnable per-channel scale `weight` (ones) and shift `bias` (zeros) (default true). */
  readonly affine?: boolean;
  /**
   * Keep `running_mean`, `running_var` and `num_batches_tracked` and use them in eval
   * mode (default true). false: batch statistics are used in both modes and there are no buffers.
   */
  readonly trackRunningStats?: boolean;
}

/** What differs between the BatchNorm variants: the name and the input layouts they accept. */
interface BatchNormSpec {
  readonly name: string;
  readonly layouts: (channels: number) => ShapePattern[];
  readonly hint: string;
}

/**
 * Batch normalisation over axis 1 (channels), shared by `BatchNorm1d` and `BatchNorm2d`
 * (Ioffe & Szegedy 2015; PyTorch's `_BatchNorm`):
 * `y = (x − mean) / √(var + eps) · weight + bias`, with the batch's mean and biased
 * variance per channel in training mode (the running estimates are then updated with the
 * unbiased variance) and the running estimates in eval mode.
 */
export abstract class BatchNormBase extends Module {
  /** Per-channel scale γ, shape [C], initialised to ones (null when `affine` is false). */
  weight: Parameter | null;
  /** Per-channel shift β, shape [C], initialised to zeros (null when `affine` is false). */
  bias: Parameter | null;
  /** Running mean, shape [C], starts at zeros (state-dict key `running_mean`). */
  runningMean: Buffer | null;
  /** Running unbiased variance, shape [C], starts at ones (state-dict key `running_var`). */
  runningVar: Buffer | null;
  /** Number of training batches seen, int32 scalar (state-dict key `num_batches_tracked`; saved as I64, as PyTorch does). */
  numBatchesTracked: Buffer | null;

  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly dtype: FloatDType;
  readonly #spec: BatchNormSpec;

  protected constructor(
    spec: BatchNormSpec,
    /** Number of channels C (axis 1 of the input). */
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    this.#spec = spec;
    checkInt(spec.name, 'numFeatures', numFeatures);
    this.eps = checkRange(spec.name, 'eps', opts.eps ?? 1e-5, 0);
    this.momentum = opts.momentum === null ? null : checkRange(spec.name, 'momentum', opts.momentum ?? 0.1, 0, 1);
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
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

  /** Resets the running estimates to mean 0, variance 1 and the batch count to 0. */
  resetRunningStats(): void {
    noGrad(() =>
      tidy(() => {
        const c = [this.numFeatures];
        this.runningMean?.assign(zeros(c, { dtype: this.dtype }));
        this.runningVar?.assign(ones(c, { dtype: this.dtype }));
        this.numBatchesTracked?.assign(zeros([], { dtype: 'int32' }));
      }),
    );
  }

  /** Resets the running estimates and sets weight to ones and bias to zeros (PyTorch's `reset_parameters`). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() =>
      tidy(() => {
        this.weight?.assign(ones([this.numFeatures], { dtype: this.dtype }));
        this.bias?.assign(zeros([this.numFeatures], { dtype: this.dtype }));
      }),
    );
  }

  /**
   * True once `fuseBatchNorm` folded this layer into the layer before it: forward then
   * passes its input through (eval mode only; training it again is an error).
   */
  folded = false;

  forward(x: Tensor): Tensor {
    if (this.folded) {
      if (this.training) {
        throw new LayerConfigError(
          `${this.label}: this batch norm was folded into the preceding layer by fuseBatchNorm (inference only); rebuild the model to ` +
            `train it.`,
        );
      }
      return x;
    }
    expectFloat(this.label, x);
    expectShape(this.label, x, this.#spec.layouts(this.numFeatures), this.#spec.hint);
    expectDType(this.label, x, this.dtype);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
    const count = x.size / this.numFeatures;
    // PyTorch: batch statistics in training mode, and always when nothing is tracked.
    const useBatchStats = this.training || this.runningMean === null || this.runningVar === null;
    if (this.training && count <= 1) {
      throw new ShapeError(
        `${this.label}: expected more than 1 value per channel when training but got input of shape ${fmtShape(x.shape)}; ` +
          `use a batch of at least 2 or call eval() first.`,
      );
    }
    return tidy(() => {
      if (!useBatchStats) {
        // Running statistics: fold into one scale and shift per channel (on [C]), so the
        // input takes two passes (x·scale, then the fused per-channel bias) instead of four,
        // as PyTorch's CPU inference does (alpha = γ/√(σ²+ε), beta = β − μ·alpha).
        const scale = this.weight ? this.runningVar!.add(this.eps).rsqrt().mul(this.weight) : this.runningVar!.add(this.eps).rsqrt();
        const shift = this.bias ? this.bias.sub(this.runningMean!.mul(scale)) : this.runningMean!.mul(scale).neg();
        return biasActivation(x.mul(scale.reshape(perChannel)), shift, { axis: 1 });
      }
      if (this.weight && this.bias) {
        // One fused op (statistics and normalisation each one pass where the backend has
        // kernels, the gradient two).
        if (this.training && this.runningMean) {
          // The statistics once: for the running estimates, and handed to batchNorm so that
          // neither its forward nor its gradient computes them again.
          const stats = noGrad(() => batchNormStats(x));
          const c = this.numFeatures;
          this.updateRunningStats(stats.slice([0, 0], [1, c]).reshape([c]), stats.slice([1, 0], [1, c]).reshape([c]), count);
          return batchNorm(x, this.weight, this.bias, { eps: this.eps, stats });
        }
        return batchNorm(x, this.weight, this.bias, { eps: this.eps });
      }
      const mean = x.mean(axes, true);
      const centered = x.sub(mean);
      const variance = centered.square().mean(axes, true); // biased, as PyTorch normalises
      if (this.training) this.updateRunningStats(mean.reshape([this.numFeatures]), variance.reshape([this.numFeatures]), count);
      return centered.mul(variance.add(this.eps).rsqrt());
    });
  }

  /** running ← (1 − f)·running + f·batch, with f = momentum or 1/num_batches_tracked; variance unbiased. */
  private updateRunningStats(mean: Tensor, biasedVar: Tensor, count: number): void {
    const { runningMean, runningVar, numBatchesTracked } = this;
    if (!runningMean || !runningVar || !numBatchesTracked) return;
    noGrad(() =>
      tidy(() => {
        numBatchesTracked.assign(numBatchesTracked.add(1));
        // Cumulative average without reading the count back (works on async backends too).
        const f = this.momentum ?? numBatchesTracked.cast(this.dtype).reciprocal();
        const keepF = typeof f === 'number' ? 1 - f : f.neg().add(1);
        runningMean.assign(runningMean.mul(keepF).add(mean.mul(f)));
        runningVar.assign(runningVar.mul(keepF).add(biasedVar.mul(count / (count - 1)).mul(f)));
      }),
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, ` +
      `trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of [N, C] features or [N, C, L] sequences over the batch (and
 * length) axes, per channel (PyTorch's `nn.BatchNorm1d`). Parameters `weight` (ones) and
 * `bias` (zeros); buffers `running_mean` (zeros), `running_var` (ones) and
 * `num_batches_tracked` (int32, saved as I64).
 *
 * @example
 * const bn = new BatchNorm1d(64);
 * const y = bn.call(x);         // x: [N, 64]; training mode: batch statistics, updates running ones
 * bn.eval();
 * const z = bn.call(x);         // eval mode: running statistics
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(
      {
        name: 'BatchNorm1d',
        layouts: (c) => [['N', c], ['N', c, 'L']],
        hint: 'BatchNorm1d normalises axis 1 of [N, C] or [N, C, L]; use BatchNorm2d for [N, C, H, W] images.',
      },
      numFeatures,
      opts,
    );
    describeModule(this, 'BatchNorm1d', [numFeatures, opts], { owner: BatchNorm1d });
  }
}

/**
 * Batch normalisation of [N, C, H, W] images over the batch and spatial axes, per channel
 * (PyTorch's `nn.BatchNorm2d`). Same parameters, buffers and defaults as `BatchNorm1d`.
 *
 * @example
 * const net = new Sequential(new Conv2d(3, 16, 3), new BatchNorm2d(16), new ReLU());
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(
      {
        name: 'BatchNorm2d',
        layouts: (c) => [['N', c, 'H', 'W']],
        hint: 'BatchNorm2d normalises axis 1 of [N, C, H, W]; add a batch axis with x.unsqueeze(0), or use BatchNorm1d for [N, C] or [N, ' +
          'C, L].',
      },
      numFeatures,
      opts,
    );
    describeModule(this, 'BatchNorm2d', [numFeatures, opts], { owner: BatchNorm2d });
  }
}
