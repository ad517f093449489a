import { type Parameter, type Tensor, noGrad, ones, tidy } from '@tessera/core';
import { describeModule } from '../config/record.js';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Module, param } from '../module.js';
import { checkInt, checkRange, type LayerDTypeOptions } from './config.js';
import { normalizedShapeOf, trailingAxes } from './standardize.js';

/** Options of `RMSNorm` (PyTorch 2.4's `nn.RMSNorm` defaults). */
export interface RMSNormOptions extends LayerDTypeOptions {
  /**
   * Added to the mean square before the square root; default null: the dtype's machine
   * epsilon (1.19e-7 for float32), as PyTorch's `eps=None`. LLaMA uses 1e-6 or 1e-5.
   */
  readonly eps?: number | null;
  /** Learnable elementwise `weight` (ones) of shape `normalizedShape` (default true). */
  readonly elementwiseAffine?: boolean;
}

const MACHINE_EPSILON: Record<FloatDType, number> = { float32: 2 ** -23, float64: Number.EPSILON };

/**
 * Root-mean-square normalisation over the last axes (Zhang & Sennrich 2019; PyTorch 2.4's
 * `nn.RMSNorm`, LLaMA's norm): `y = x / √(mean(x²) + eps) · weight`, no centring and no
 * bias. Parameter `weight` (ones), shape `normalizedShape`. Same in training and eval.
 *
 * @example
 * const norm = new RMSNorm(512, { eps: 1e-6 });
 * norm.call(x); // x: [N, T, 512]
 */
export class RMSNorm extends Module {
  /** Elementwise scale, shape `normalizedShape`, initialised to ones (null without `elementwiseAffine`). */
  readonly weight: Parameter | null;
  readonly normalizedShape: readonly number[];
  /** The epsilon in use (the dtype's machine epsilon when built with `eps: null`). */
  readonly eps: number;
  readonly dtype: FloatDType;

  constructor(normalizedShape: number | readonly number[], opts: RMSNormOptions = {}) {
    super();
    const shape = normalizedShapeOf('RMSNorm', normalizedShape, checkInt);
    if (shape.length === 0) throw new LayerConfigError('RMSNorm: normalizedShape must name at least one axis but got [].');
    this.normalizedShape = shape;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    this.eps = opts.eps === undefined || opts.eps === null ? MACHINE_EPSILON[dtype] : checkRange('RMSNorm', 'eps', opts.eps, 0);
    this.weight = opts.elementwiseAffine ?? true ? param(ones(shape, { dtype })) : null;
    describeModule(this, 'RMSNorm', [normalizedShape, opts], { owner: RMSNorm });
  }

  private get label(): string {
    return `RMSNorm([${this.normalizedShape.join(', ')}])`;
  }

  /** Sets weight to ones. */
  resetParameters(): void {
    noGrad(() => tidy(() => void this.weight?.assign(ones(this.normalizedShape, { dtype: this.dtype }))));
  }

  forward(x: Tensor): Tensor {
    const axes = trailingAxes(this.label, 'RMSNorm', x, this.normalizedShape, this.dtype);
    return tidy(() => {
      const y = x.mul(x.square().mean(axes, true).add(this.eps).rsqrt());
      return this.weight ? y.mul(this.weight) : y;
    });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
