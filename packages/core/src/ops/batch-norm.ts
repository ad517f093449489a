import { runOp } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isGradEnabled } from '../grad-mode.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { concat, reshape, slice } from './movement.js';
import { mean, sum } from './reduce.js';
import { rsqrt, square } from './unary.js';
import { assertDType } from './util.js';

/**
 * Training-mode batch normalisation over axis 1 (channels) as fused ops: the statistics and
 * the normalisation each one pass over the input on a backend that registers kernels, and
 * the gradient two passes (per-channel sums, then dx), instead of the ~20 elementwise,
 * transpose and reduction kernels the composite and its autograd graph run.
 *
 * Layout: x is [N, C, ...] (rank ≥ 2); statistics run over every axis but 1, M = size / C
 * values per channel. `stats` tensors are [2, C]: row 0 the mean, row 1 the biased variance.
 */

/** Attributes of `batchNorm` and its gradient ops: the epsilon added to the variance. */
export interface BatchNormAttrs {
  readonly eps: number;
}

/** Every axis of a rank-`rank` tensor but the channel axis 1. */
const reducedAxes = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 1);

/** [C] → [1, C, 1, …] for broadcasting against x. */
const perChannel = (t: Tensor, rank: number): Tensor => reshape(t, Array.from({ length: rank }, (_, i) => (i === 1 ? t.size : 1)));

/** Row `r` of a [2, C] tensor as [C]. */
const row = (t: Tensor, r: number): Tensor => reshape(slice(t, [r, 0], [1, t.shape[1]]), [t.shape[1]]);

function checkX(op: string, x: TensorInfo): number {
  assertDType(op, x.dtype, 'float');
  if (x.shape.length < 2) {
    throw new ShapeError(
      `${op}: x must be [N, C, …] (rank ≥ 2, channels on axis 1) but is ${fmtShape(x.shape)}; reshape it to [N, C] or [N, C, H, W].`,
    );
  }
  return x.shape[1];
}

function checkLike(op: string, what: string, t: TensorInfo, x: TensorInfo, shape: readonly number[]): void {
  if (t.dtype !== x.dtype) throw new DTypeError(`${op}: ${what} is ${t.dtype} but x is ${x.dtype}; cast it with .cast('${x.dtype}').`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: ${what} must be ${fmtShape(shape)} for x ${fmtShape(x.shape)} but is ${fmtShape(t.shape)}.`);
  }
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ShapeError(`${op}: eps must be a finite number ≥ 0 but is ${eps}.`);
}

/** mean and biased variance per channel, as [2, C], written with other ops. */
function statsComposite(x: Tensor): Tensor {
  return tidy(() => {
    const axes = reducedAxes(x.rank);
    const mu = mean(x, axes, true);
    const v = mean(square(sub(x, mu)), axes);
    return concat([reshape(mu, [1, x.shape[1]]), reshape(v, [1, x.shape[1]])], 0);
  });
}

/**
 * Per-channel mean and biased variance of x [N, C, …] over every axis but 1, as a [2, C]
 * tensor (row 0 mean, row 1 variance). A composite a backend may fuse (kernel name
 * 'batchNormStats'); no gradient (batchNorm's gradient accounts for the statistics).
 */
export const batchNormStatsDef: OpDef<Record<string, never>> = {
  name: 'batchNormStats',
  infer: ([x]) => ({ shape: [2, checkX('batchNormStats', x)], dtype: x.dtype }),
  decompose: ([x]) => statsComposite(x),
  nonDifferentiable: true,
};

/**
 * Per-channel sums of batchNorm's backward pass from dy, x and the forward's stats [2, C],
 * as [2, C]: row 0 Σdy (the bias gradient), row 1 Σdy·x̂ with x̂ = (x − mean)/√(var + eps)
 * (the weight gradient). A composite a backend may fuse (kernel name 'batchNormParamGrad').
 */
export const batchNormParamGradDef: OpDef<BatchNormAttrs> = {
  name: 'batchNormParamGrad',
  infer: ([dy, x, stats], { eps }) => {
    const c = checkX('batchNormParamGrad', x);
    checkEps('batchNormParamGrad', eps);
    checkLike('batchNormParamGrad', 'dy', dy, x, x.shape);
    checkLike('batchNormParamGrad', 'stats', stats, x, [2, c]);
    return { shape: [2, c], dtype: x.dtype };
  },
  decompose: ([dy, x, stats], { eps }) =>
    tidy(() => {
      const axes = reducedAxes(x.rank);
      const xhat = mul(sub(x, perChannel(row(stats, 0), x.rank)), perChannel(rsqrt(add(row(stats, 1), eps)), x.rank));
      const c = x.shape[1];
      return concat([reshape(sum(dy, axes), [1, c]), reshape(sum(mul(dy, xhat), axes), [1, c])], 0);
    }),
  nonDifferentiable: true,
};

/**
 * dx of batchNorm: γ/√(var + eps)·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), from dy, x, the weight γ [C],
 * the forward's stats [2, C] and the sums [2, C] of `batchNormParamGrad`. A composite a
 * backend may fuse (kernel name 'batchNormInputGrad').
 */
export const batchNormInputGradDef: OpDef<BatchNormAttrs> = {
  name: 'batchNormInputGrad',
  infer: ([dy, x, weight, stats, sums], { eps }) => {
    const c = checkX('batchNormInputGrad', x);
    checkEps('batchNormInputGrad', eps);
    checkLike('batchNormInputGrad', 'dy', dy, x, x.shape);
    checkLike('batchNormInputGrad', 'weight', weight, x, [c]);
    checkLike('batchNormInputGrad', 'stats', stats, x, [2, c]);
    checkLike('batchNormInputGrad', 'sums', sums, x, [2, c]);
    return { shape: [...x.shape], dtype: x.dtype };
  },
  decompose: ([dy, x, weight, stats, sums], { eps }) =>
    tidy(() => {
      const r = x.rank;
      const m = x.size / x.shape[1];
      const invStd = rsqrt(add(row(stats, 1), eps));
      const xhat = mul(sub(x, perChannel(row(stats, 0), r)), perChannel(invStd, r));
      const centred = sub(sub(dy, perChannel(mul(row(sums, 0), 1 / m), r)), mul(xhat, perChannel(mul(row(sums, 1), 1 / m), r)));
      return mul(centred, perChannel(mul(weight, invStd), r));
    }),
  nonDifferentiable: true,
};

/**
 * (x − mean)/√(var + eps)·weight + bias with the batch's own per-channel mean and biased
 * variance (training-mode batch norm), x [N, C, …], weight and bias [C]. A composite a
 * backend may fuse (kernel name 'batchNorm'); its gradient runs `batchNormStats`,
 * `batchNormParamGrad` and `batchNormInputGrad` (each a kernel where the backend has one),
 * or, when a graph of the gradient is being built, the same formulas as differentiable ops.
 */
export const batchNormDef: OpDef<BatchNormAttrs> = {
  name: 'batchNorm',
  infer: ([x, weight, bias, stats], { eps }) => {
    const c = checkX('batchNorm', x);
    checkEps('batchNorm', eps);
    checkLike('batchNorm', 'weight', weight, x, [c]);
    checkLike('batchNorm', 'bias', bias, x, [c]);
    if (stats) checkLike('batchNorm', 'stats', stats, x, [2, c]);
    return { shape: [...x.shape], dtype: x.dtype };
  },
  decompose: ([x, weight, bias, stats], { eps }) =>
    tidy(() => {
      const r = x.rank;
      const axes = reducedAxes(r);
      const mu = stats ? perChannel(row(stats, 0), r) : mean(x, axes, true);
      const centred = sub(x, mu);
      const invStd = rsqrt(add(stats ? perChannel(row(stats, 1), r) : mean(square(centred), axes, true), eps));
      return add(mul(mul(centred, invStd), perChannel(weight, r)), perChannel(bias, r));
    }),
  grad: (dy, { inputs: [x, weight, , given], attrs, needsGrad }) => {
    // The statistics depend on x: the formulas below account for that, from the batch's
    // statistics (the given ones when they came with the call; a graph of the gradient
    // recomputes them from x so that their dependence on x is differentiated too).
    const graph = isGradEnabled();
    const stats = graph ? statsComposite(x) : (given ?? runOp(batchNormStatsDef, [x], {}));
    const sums = graph ? batchNormParamGradDef.decompose!([dy, x, stats], attrs) : runOp(batchNormParamGradDef, [dy, x, stats], attrs);
    const dx = !needsGrad[0]
      ? null
      : graph
        ? batchNormInputGradDef.decompose!([dy, x, weight, stats, sums], attrs)
        : runOp(batchNormInputGradDef, [dy, x, weight, stats, sums], attrs);
    const grads = [dx, needsGrad[1] ? row(sums, 1) : null, needsGrad[2] ? row(sums, 0) : null];
    return given ? [...grads, null] : grads;
  },
};

/** Options of `batchNorm`. */
export interface BatchNormOpOptions {
  /** Added to the variance before the square root (default 1e-5, PyTorch's). */
  readonly eps?: number;
  /**
   * The batch's statistics when the caller already has them: exactly `batchNormStats(x)`
   * of this x (e.g. computed once for the running estimates), so neither the forward nor
   * the gradient computes them again. Not differentiated (the gradient accounts for the
   * statistics' dependence on x).
   */
  readonly stats?: Tensor;
}

/**
 * Training-mode batch normalisation of x [N, C, …] over every axis but 1, with the batch's
 * statistics: (x − mean)/√(var + eps)·weight + bias. Backends fuse it into one pass for the
 * statistics and one for the output, and its gradient into two passes. Running estimates
 * are the caller's business: `batchNormStats(x)` gives the batch's mean and biased variance.
 *
 * @example
 * const y = batchNorm(x, gamma, beta);          // x [128, 16, 32, 32], gamma/beta [16]
 * const stats = batchNormStats(x);              // [2, C]: mean, biased variance (running statistics)
 * const y2 = batchNorm(x, gamma, beta, { stats }); // reuses them: one pass over x fewer, forward and backward
 */
export function batchNorm(x: Tensor, weight: Tensor, bias: Tensor, opts: BatchNormOpOptions = {}): Tensor {
  return runOp(batchNormDef, opts.stats ? [x, weight, bias, opts.stats] : [x, weight, bias], { eps: opts.eps ?? 1e-5 });
}

/**
 * Per-channel mean (row 0) and biased variance (row 1) of x [N, C, …] over every axis but 1,
 * as one [2, C] tensor (one pass on backends with a kernel). Not differentiable.
 *
 * @example
 * const stats = batchNormStats(x); // [2, C]
 */
export function batchNormStats(x: Tensor): Tensor {
  return runOp(batchNormStatsDef, [x], {});
}
