import {
  BackendError,
  DTypeError,
  ShapeError,
  isCompiling,
  type Tensor,
  broadcastShapes,
  fmtShape,
  log,
  shapesEqual,
  tidy,
  where,
} from '@tessera/core';
import { LayerConfigError } from '../errors.js';

/**
 * How a loss turns per-element losses into its result (PyTorch's `reduction`):
 * `'mean'` (default; a weighted mean where the loss has class weights), `'sum'`, or
 * `'none'` (the per-element losses, no reduction).
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** The option every loss takes. */
export interface ReductionOptions {
  /** Default `'mean'`. */
  readonly reduction?: Reduction;
}

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

/** Throws a LayerConfigError naming the loss unless `r` is one of `allowed`. */
export function checkReduction(name: string, r: string, allowed: readonly string[] = REDUCTIONS): void {
  if (!allowed.includes(r)) {
    throw new LayerConfigError(`${name}: reduction must be ${allowed.map((a) => `'${a}'`).join(', ')} but got '${r}'.`);
  }
}

/**
 * Σ loss / denominator, where a zero denominator (every target ignored, or class weights
 * summing to 0) gives NaN — PyTorch's value — with a zero gradient: dividing by 0 would
 * send ±∞ back to every element and NaN into the weights.
 */
function weightedMean(loss: Tensor, denominator: Tensor): Tensor {
  const empty = denominator.equal(0);
  return where(empty, Number.NaN, loss.sum().div(where(empty, 1, denominator)));
}

/**
 * Applies a reduction to per-element losses. `'mean'` divides the sum by `denominator`
 * when given (the sum of the class weights that were used, as PyTorch's weighted mean
 * does; NaN with a zero gradient when that sum is 0), by the number of elements otherwise.
 */
export function reduceLoss(name: string, loss: Tensor, reduction: Reduction = 'mean', denominator?: Tensor): Tensor {
  checkReduction(name, reduction);
  if (reduction === 'none') return loss;
  return tidy(() => {
    if (reduction === 'sum') return loss.sum();
    return denominator ? weightedMean(loss, denominator) : loss.mean();
  });
}

/** Throws a DTypeError naming the loss unless `t` is float32 or float64. */
export function expectFloatInput(name: string, what: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${name}: ${what} must be float32 or float64 but is ${t.dtype}; cast it with .cast('float32').`);
  }
}

/** Both float and of one dtype: the losses never promote silently. */
export function expectSameFloat(name: string, what: string, a: Tensor, b: Tensor): void {
  expectFloatInput(name, 'input', a);
  if (b.dtype !== a.dtype) {
    throw new DTypeError(`${name}: ${what} is ${b.dtype} but the input is ${a.dtype}; cast it with .cast('${a.dtype}').`);
  }
}

/** Prediction and target of an elementwise loss: same float dtype and same shape. */
export function expectPair(name: string, input: Tensor, target: Tensor): void {
  expectSameFloat(name, 'target', input, target);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${name}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape; ` +
        `reshape the target (broadcasting a target is almost always a bug).`,
    );
  }
}

/** An optional per-element weight must broadcast to the input's shape (and be its dtype). */
export function expectBroadcastsTo(name: string, what: string, w: Tensor, input: Tensor): void {
  expectSameFloat(name, what, input, w);
  let ok: boolean;
  try {
    ok = shapesEqual(broadcastShapes(name, w.shape, input.shape), input.shape);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ShapeError(`${name}: ${what} ${fmtShape(w.shape)} must broadcast to the input's shape ${fmtShape(input.shape)}.`);
  }
}

/** e⁻¹⁰⁰: below it PyTorch's binary cross-entropy clamps the log to −100. */
const LOG_FLOOR = Math.exp(-100);

/**
 * log x clamped below at −100, as PyTorch's binary cross-entropy does, so that x = 0
 * gives a finite value. The clamped region has gradient 0 (never 0·∞ = NaN: the log only
 * ever sees safe arguments).
 */
export function clampedLog(x: Tensor): Tensor {
  return tidy(() => {
    const ok = x.greater(LOG_FLOOR);
    return where(ok, log(where(ok, x, 1)), -100);
  });
}

/** x·log y with 0·log 0 = 0 (torch.xlogy for y = x ≥ 0), gradient-safe at 0. */
export function xlogx(x: Tensor): Tensor {
  return tidy(() => {
    const pos = x.greater(0);
    return where(pos, x.mul(log(where(pos, x, 1))), 0);
  });
}

/**
 * The values of `t` where its backend reads synchronously (CPU), else null: value checks
 * (class-index range, probabilities in [0, 1]) run there and are skipped on asynchronous
 * backends, where a readback would stall the pipeline.
 */
export function valuesIfSync(t: Tensor): ArrayLike<number> | null {
  // Inside a compiled step a readback would make the trace unusable; kernels still check indices.
  if (isCompiling()) return null;
  try {
    return t.dataSync();
  } catch (e) {
    if (e instanceof BackendError) return null;
    throw e;
  }
}
