import { describeModule } from '../config/record.js';
import { type Parameter, type Tensor, noGrad, ones, tidy, zeros } from '@tessera/core';
import type { FloatDType } from '../init.js';
import { LayerConfigError } from '../errors.js';
import { Module, param } from '../module.js';
import { checkInt, checkRange, type LayerDTypeOptions } from './config.js';
import { normalizedShapeOf, standardize, trailingAxes } from './standardize.js';

/** Options of `LayerNorm` (PyTorch's defaults). */
export interface LayerNormOptions extends LayerDTypeOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** Learnable elementwise `weight` (ones) and `bias` (zeros) of shape `normalizedShape` (default true). */
  readonly elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, whether to learn the `bias` too (default true; PyTorch's `bias=`). */
  readonly bias?: boolean;
}

/**
 * Layer normalisation over the last axes (Ba et al. 2016; PyTorch's `nn.LayerNorm`):
 * `y = (x − mean) / √(var + eps) · weight + bias`, mean and biased variance taken over the
 * trailing `normalizedShape` axes of each sample. Same behaviour in training and eval.
 * Parameters `weight` (ones) and `bias` (zeros), shape `normalizedShape`.
 *
 * @example
 * const ln = new LayerNorm(512);
 * const y = ln.call(x);            // x: [N, T, 512], each token normalised over its 512 features
 * new LayerNorm([4, 5]).call(z);   // z: [..., 4, 5], normalised over the last two axes
 */
export class LayerNorm extends Module {
  /** Elementwise scale, shape `normalizedShape`, initialised to ones (null without `elementwiseAffine`). */
  weight: Parameter | null;
  /** Elementwise shift, shape `normalizedShape`, initialised to zeros (null without affine or bias). */
  bias: Parameter | null;

  /** The trailing shape that is normalised. */
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly dtype: FloatDType;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const shape = normalizedShapeOf('LayerNorm', normalizedShape, checkInt);
    if (shape.length === 0) throw new LayerConfigError('LayerNorm: normalizedShape must name at least one axis but got [].');
    this.normalizedShape = shape;
    this.eps = checkRange('LayerNorm', 'eps', opts.eps ?? 1e-5, 0);
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    this.weight = this.elementwiseAffine ? param(ones(shape, { dtype })) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? param(zeros(shape, { dtype })) : null;
    describeModule(this, 'LayerNorm', [normalizedShape, opts], { owner: LayerNorm });
  }

  private get label(): string {
    return `LayerNorm([${this.normalizedShape.join(', ')}])`;
  }

  /** Sets weight to ones and bias to zeros. */
  resetParameters(): void {
    noGrad(() =>
      tidy(() => {
        this.weight?.assign(ones(this.normalizedShape, { dtype: this.dtype }));
        this.bias?.assign(zeros(this.normalizedShape, { dtype: this.dtype }));
      }),
    );
  }

  forward(x: Tensor): Tensor {
    const axes = trailingAxes(this.label, 'LayerNorm', x, this.normalizedShape, this.dtype);
    return tidy(() => {
      let { y } = standardize(x, axes, this.eps);
      if (this.weight) y = y.mul(this.weight);
      if (this.bias) y = y.add(this.bias);
      return y;
    });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
