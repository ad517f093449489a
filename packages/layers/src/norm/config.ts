import { DTypeError, type Parameter, type Tensor, ones, zeros } from '@tessera/core';
import { Buffer } from '../buffer.js';
import { param } from '../module.js';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';

/** The `dtype` option of norm and recurrent layers (PyTorch's `dtype=`): their parameters' and buffers' float type. */
export interface LayerDTypeOptions {
  /** Float type of the parameters and buffers (default `'float32'`; `'float64'` on the CPU for gradient checks). */
  readonly dtype?: FloatDType;
}

/** Throws a LayerConfigError unless `value` is an integer ≥ `min` (a size or count option). */
export function checkInt(layer: string, option: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new LayerConfigError(`${layer}: ${option} must be an integer ≥ ${min} but got ${value}.`);
  }
  return value;
}

/** Throws a LayerConfigError unless `value` is in [low, high] (probabilities, factors). */
export function checkRange(layer: string, option: string, value: number, low: number, high = Infinity): number {
  if (!(value >= low && value <= high)) {
    throw new LayerConfigError(`${layer}: ${option} must be in [${low}, ${high}] but got ${value}.`);
  }
  return value;
}

/**
 * Throws a DTypeError naming the layer unless `x` has the layer's dtype (ops would
 * reject the mix anyway, but without naming the layer or the fix).
 */
export function expectDType(layer: string, x: Tensor, dtype: FloatDType, what = 'input'): void {
  if (x.dtype !== dtype) {
    throw new DTypeError(
      `${layer}: the layer's parameters are ${dtype} but the ${what} is ${x.dtype}; ` +
        `cast it with .cast('${dtype}') or build the layer with { dtype: '${x.dtype}' }.`,
    );
  }
}

/** PyTorch's snake_case state-dict key of a camelCase field (`runningMean` → `running_mean`). */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A normalisation layer's learnable affine parameters and running statistics; each null when off. */
export interface NormState {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Buffer | null;
  readonly runningVar: Buffer | null;
  readonly numBatchesTracked: Buffer | null;
}

/**
 * PyTorch's initial state of a batch or instance norm over `numFeatures` channels: γ = 1,
 * β = 0 when `affine`; running mean 0, variance 1 and a batch counter (saved as I64, as
 * PyTorch writes it) when `trackRunningStats`.
 */
export function normState(numFeatures: number, dtype: FloatDType, affine: boolean, trackRunningStats: boolean): NormState {
  const c = [numFeatures];
  return {
    weight: affine ? param(ones(c, { dtype })) : null,
    bias: affine ? param(zeros(c, { dtype })) : null,
    runningMean: trackRunningStats ? new Buffer(zeros(c, { dtype })) : null,
    runningVar: trackRunningStats ? new Buffer(ones(c, { dtype })) : null,
    numBatchesTracked: trackRunningStats ? new Buffer(zeros([], { dtype: 'int32' }), { storeAs: 'I64' }) : null,
  };
}
