import { type Tensor, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { type ReductionOptions, expectPair, reduceLoss } from './reduce.js';

/** Options of `huberLoss`. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (> 0, default 1). */
  readonly delta?: number;
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (≥ 0, default 1; 0 gives the L1 loss). */
  readonly beta?: number;
}

/** An elementwise loss of d = input − target, reduced. */
function elementwise(name: string, input: Tensor, target: Tensor, r: ReductionOptions, f: (d: Tensor) => Tensor): Tensor {
  expectPair(name, input, target);
  return tidy(() => reduceLoss(name, f(input.sub(target)), r.reduction));
}

/**
 * Huber's loss with threshold δ, written without branches so both sides share one
 * gradient: with q = min(|d|, δ), ½q² + δ(|d| − q) is ½d² for |d| ≤ δ and δ(|d| − ½δ)
 * beyond.
 */
function huber(d: Tensor, delta: number): Tensor {
  const a = d.abs();
  const q = a.minimum(delta);
  return q.square().mul(0.5).add(a.sub(q).mul(delta));
}

function checkThreshold(name: string, key: string, v: number, allowZero: boolean): void {
  if (!(allowZero ? v >= 0 : v > 0) || !Number.isFinite(v)) {
    throw new LayerConfigError(`${name}: ${key} must be ${allowZero ? '≥ 0' : '> 0'} and finite but got ${v}.`);
  }
}

/**
 * Mean squared error (PyTorch's `mse_loss`): (input − target)², reduced.
 *
 * @example
 * mseLoss(tensor([1, 2]), tensor([0, 4])); // (1 + 4) / 2 = 2.5
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  return elementwise('mseLoss', input, target, opts, (d) => d.square());
}

/**
 * Mean absolute error (PyTorch's `l1_loss`): |input − target|, reduced.
 *
 * @example
 * l1Loss(tensor([1, 2]), tensor([0, 4]), { reduction: 'sum' }); // 3
 */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  return elementwise('l1Loss', input, target, opts, (d) => d.abs());
}

/**
 * Huber loss (PyTorch's `huber_loss`): ½d² where |d| ≤ δ, δ(|d| − ½δ) elsewhere, with
 * d = input − target. Quadratic near the target, linear (robust to outliers) far from it.
 *
 * @example
 * huberLoss(tensor([0.5, 3]), tensor([0, 0]), { delta: 1, reduction: 'none' }); // [0.125, 2.5]
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const delta = opts.delta ?? 1;
  checkThreshold('huberLoss', 'delta', delta, false);
  return elementwise('huberLoss', input, target, opts, (d) => huber(d, delta));
}

/**
 * Smooth L1 loss (PyTorch's `smooth_l1_loss`): ½d²/β where |d| < β, |d| − ½β elsewhere;
 * equal to Huber(δ = β)/β, and to the L1 loss for β = 0.
 *
 * @example
 * smoothL1Loss(tensor([0.5, 3]), tensor([0, 0]), { beta: 1, reduction: 'none' }); // [0.125, 2.5]
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  const beta = opts.beta ?? 1;
  checkThreshold('smoothL1Loss', 'beta', beta, true);
  return elementwise('smoothL1Loss', input, target, opts, (d) => (beta === 0 ? d.abs() : huber(d, beta).div(beta)));
}
