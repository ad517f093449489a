import { type Parameter, type Tensor, noGrad, ones, tidy, zeros } from '@tessera/core';
import { expectFloat, expectShape } from '../check.js';
import { describeModule } from '../config/record.js';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Module, param } from '../module.js';
import { checkInt, checkRange, expectDType, type LayerDTypeOptions } from './config.js';
import { standardize } from './standardize.js';

/** Options of `GroupNorm` (PyTorch's defaults). */
export interface GroupNormOptions extends LayerDTypeOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Learnable per-channel `weight` (ones) and `bias` (zeros) (default true). */
  readonly affine?: boolean;
}

/**
 * Group normalisation (Wu & He 2018; PyTorch's `nn.GroupNorm`): the C channels of each
 * sample are split into `numGroups` groups, each normalised over its channels and all
 * spatial positions with its own mean and biased variance, then scaled and shifted per
 * channel. Independent of the batch size; same in training and eval. `numGroups = 1` is
 * LayerNorm over [C, …]; `numGroups = C` is InstanceNorm. Parameters `weight` [C] (ones),
 * `bias` [C] (zeros).
 *
 * @example
 * const gn = new GroupNorm(8, 64);
 * gn.call(x); // x: [N, 64, H, W]
 */
export class GroupNorm extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly eps: number;
  readonly affine: boolean;
  readonly dtype: FloatDType;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    super();
    checkInt('GroupNorm', 'numGroups', numGroups);
    checkInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new LayerConfigError(
        `GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}; pick a group count that divides it.`,
      );
    }
    this.eps = checkRange('GroupNorm', 'eps', opts.eps ?? 1e-5, 0);
    this.affine = opts.affine ?? true;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    this.weight = this.affine ? param(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? param(zeros([numChannels], { dtype })) : null;
    describeModule(this, 'GroupNorm', [numGroups, numChannels, opts], { owner: GroupNorm });
  }

  private get label(): string {
    return `GroupNorm(${this.numGroups}, ${this.numChannels})`;
  }

  /** Sets weight to ones and bias to zeros. */
  resetParameters(): void {
    noGrad(() => tidy(() => {
      this.weight?.assign(ones([this.numChannels], { dtype: this.dtype }));
      this.bias?.assign(zeros([this.numChannels], { dtype: this.dtype }));
    }));
  }

  /** x: [N, C, *] (any number of spatial axes, including none). */
  forward(x: Tensor): Tensor {
    expectFloat(this.label, x);
    expectShape(
      this.label,
      x,
      [['N', this.numChannels, ...new Array<string>(Math.max(x.rank - 2, 0)).fill('*')]],
      'GroupNorm normalises [N, C, *] with C = numChannels.',
    );
    expectDType(this.label, x, this.dtype);
    const [n, c] = x.shape;
    return tidy(() => {
      const grouped = x.reshape([n, this.numGroups, x.size / (n * this.numGroups)]);
      const y = standardize(grouped, [2], this.eps).y.reshape(x.shape);
      if (!this.weight || !this.bias) return y;
      const perChannel = x.shape.map((d, i) => (i === 1 ? c : 1));
      return y.mul(this.weight.reshape(perChannel)).add(this.bias.reshape(perChannel));
    });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
