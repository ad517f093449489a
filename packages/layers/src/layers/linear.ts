import { describeModule } from '../config/record.js';
import { type FusedActivation, type Parameter, type Tensor, tidy } from '@tessera/core';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import {
  type ActivationOption,
  type LayerOptions,
  activationOption,
  biasThenActivate,
  checkInput,
  defaultWeightAndBias,
  foldAffine,
  positive,
} from './common.js';

/**
 * A layer whose forward can run with a substitute weight (DropConnect masks the weight of
 * such a layer during training).
 */
export interface WeightedLayer extends Module {
  readonly weight: Parameter;
  /** `forward` with `weight` in place of `this.weight` (same shape and dtype). */
  forwardWith(x: Tensor, weight: Tensor): Tensor;
}

/** Options of `Linear`. */
export interface LinearOptions extends LayerOptions, ActivationOption {
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
}

/**
 * Fully connected layer y = act(x·Wᵀ + b) (PyTorch's `nn.Linear`; with `activation`, Keras'
 * `Dense`) on inputs [..., in]. Parameters: `weight` [out, in], `bias` [out].
 * Default init (PyTorch's): weight kaiming_uniform(a=√5) = U(±1/√in), bias U(±1/√in).
 * The bias and activation run as core's fused `biasActivation`.
 *
 * @example
 * const fc = new Linear(784, 10);
 * fc.call(x); // [N, 784] → [N, 10]
 * const hidden = new Linear(784, 256, { activation: 'relu' }); // relu(x·Wᵀ + b), fused
 */
export class Linear extends Module implements WeightedLayer {
  readonly weight: Parameter;
  /** The bias, or null; `foldAffine` may add one. */
  bias: Parameter | null;
  readonly dtype: FloatDType;
  /** The activation after the bias ('linear': none). */
  readonly activation: FusedActivation;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    positive('Linear', 'inFeatures', inFeatures);
    positive('Linear', 'outFeatures', outFeatures);
    this.dtype = opts.dtype ?? 'float32';
    this.activation = activationOption('Linear', opts.activation);
    const p = defaultWeightAndBias([outFeatures, inFeatures], opts.bias === false ? null : [outFeatures], inFeatures, this.dtype);
    this.weight = p.weight;
    this.bias = p.bias;
    describeModule(this, 'Linear', [inFeatures, outFeatures, opts], { owner: Linear });
  }

  private get label(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures})`;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, this.weight);
  }

  forwardWith(x: Tensor, weight: Tensor): Tensor {
    // Any leading axes (PyTorch's [*, in]); only the last must match.
    const lead = x.rank > 1 ? ['N', ...new Array<string>(x.rank - 2).fill('*')] : [];
    checkInput(this.label, x, this.dtype, [[...lead, this.inFeatures]], flattenHint(x.shape, this.inFeatures));
    const { bias, activation } = this;
    return tidy(() => biasThenActivate(x.matmul(weight, { transposeB: true }), bias, -1, activation));
  }

  /**
   * Folds a per-output-channel affine map applied after this layer into its weight and
   * bias: afterwards `layer(x)` equals the old `layer(x)·scale + shift` ([out] tensors).
   * Used by `fuseBatchNorm`; needs activation 'linear'.
   */
  foldAffine(scale: Tensor, shift: Tensor): void {
    this.bias = foldAffine(this.label, this, scale, shift);
  }

  override extraRepr(): string {
    const act = this.activation === 'linear' ? '' : `, activation='${this.activation}'`;
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}${act}`;
  }
}

/**
 * For an input of rank ≥ 3 whose trailing axes hold exactly `inFeatures` values per example
 * (an image [N, 1, 28, 28] fed to Linear(784→…)): the hint to flatten it first.
 */
function flattenHint(shape: readonly number[], inFeatures: number): string {
  if (shape.length < 3) return '';
  const rest = shape.slice(1);
  const per = rest.reduce((a, b) => a * b, 1);
  if (per !== inFeatures) return 'Linear acts on the last axis only (the others are batch axes).';
  return (
    `The input looks unflattened: ${rest.join('·')} = ${per} features per example. ` +
    `Put a Flatten() before this Linear (new Sequential(new Flatten(), …)) or reshape it with x.reshape([${shape[0]}, ${per}]).`
  );
}
