import { runOp } from '../engine.js';
import { ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { tidy } from '../memory.js';
import type { OpDef } from '../op.js';
import type { ReduceAttrs, ReduceOpName } from '../primitives.js';
import { normAxes, normAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, equal, maximum, mul, pow, sub } from './binary.js';
import { broadcastTo, permute, reshape } from './movement.js';
import { abs, cast, log, exp, sqrt, square } from './unary.js';
import { assertDType, type DTypeClass } from './util.js';

/** Input viewed as [outer, reduce, inner] → output [outer, inner]. */
function reduceInfer(name: string, cls: DTypeClass, outDType?: 'int32') {
  return ([x]: readonly { shape: readonly number[]; dtype: import('../dtype.js').DType }[], a: ReduceAttrs) => {
    assertDType(name, x.dtype, cls);
    if (a.outer * a.reduce * a.inner !== sizeOf(x.shape)) {
      throw new ShapeError(`${name}: reduction geometry ${a.outer}×${a.reduce}×${a.inner} does not match ${fmtShape(x.shape)}.`);
    }
    const dtype = outDType ?? (name === 'sum' && (x.dtype === 'bool' || x.dtype === 'int32') ? 'int32' : x.dtype);
    return { shape: [a.outer, a.inner], dtype };
  };
}

/** dy [outer, inner] spread back over the reduced axis: [outer, reduce, inner] in x's shape. */
function spread(dy: Tensor, a: ReduceAttrs, shape: readonly number[]): Tensor {
  return reshape(broadcastTo(reshape(dy, [a.outer, 1, a.inner]), [a.outer, a.reduce, a.inner]), shape);
}

/** Gradient of max/min: split evenly among the positions that attain the extreme. */
function extremeGrad(dy: Tensor, x: Tensor, y: Tensor, a: ReduceAttrs): Tensor {
  const mask = cast(equal(x, spread(y, a, x.shape)), x.dtype);
  const count = runOp(reduceDefs.sum, [mask], a);
  return mul(mask, spread(div(dy, count), a, x.shape));
}

/** Op definitions of the reduction family. */
export const reduceDefs: { readonly [N in ReduceOpName]: OpDef<ReduceAttrs> } = {
  sum: {
    name: 'sum',
    infer: reduceInfer('sum', 'any'),
    grad: (dy, { inputs: [x], attrs }) => [spread(dy.dtype === x.dtype ? dy : cast(dy, x.dtype), attrs, x.shape)],
  },
  prod: {
    name: 'prod',
    infer: reduceInfer('prod', 'numeric'),
    // d/dxᵢ ∏x = ∏x / xᵢ (inputs with zeros give NaN/Inf here, as in tfjs).
    grad: (dy, { inputs: [x], output, attrs }) => [div(spread(mul(dy, output), attrs, x.shape), x)],
  },
  max: {
    name: 'max',
    infer: reduceInfer('max', 'numeric'),
    grad: (dy, { inputs: [x], output, attrs }) => [extremeGrad(dy, x, output, attrs)],
  },
  min: {
    name: 'min',
    infer: reduceInfer('min', 'numeric'),
    grad: (dy, { inputs: [x], output, attrs }) => [extremeGrad(dy, x, output, attrs)],
  },
  argmax: { name: 'argmax', infer: reduceInfer('argmax', 'numeric', 'int32'), nonDifferentiable: true },
  argmin: { name: 'argmin', infer: reduceInfer('argmin', 'numeric', 'int32'), nonDifferentiable: true },
};

/** Axes argument: one axis, several, or all (undefined). */
export type Axes = number | readonly number[] | undefined;

/**
 * Runs a reduction primitive over `axes` of x: contiguous axes reduce in place; others
 * are moved last first. Returns the result with or without the reduced axes kept.
 */
function reduceOver(op: ReduceOpName, x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  x.assertAlive(op);
  const ax = normAxes(op, axes, x.rank);
  const keptShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !ax.includes(i));
  return tidy(() => {
    let input = x;
    let attrs: ReduceAttrs;
    const contiguous = ax.length === 0 || ax[ax.length - 1] - ax[0] === ax.length - 1;
    if (contiguous) {
      const first = ax.length ? ax[0] : x.rank;
      const last = ax.length ? ax[ax.length - 1] : x.rank - 1;
      attrs = {
        outer: sizeOf(x.shape.slice(0, first)),
        reduce: sizeOf(x.shape.slice(first, last + 1)),
        inner: sizeOf(x.shape.slice(last + 1)),
      };
    } else {
      const rest = x.shape.map((_, i) => i).filter((i) => !ax.includes(i));
      input = permute(x, [...rest, ...ax]);
      attrs = { outer: sizeOf(rest.map((i) => x.shape[i])), reduce: sizeOf(ax.map((i) => x.shape[i])), inner: 1 };
    }
    return reshape(runOp(reduceDefs[op], [input], attrs), outShape);
  });
}

/** Sum over axes (all by default). bool and int32 sum to int32. */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOver('sum', x, axes, keepDims);
}
/** Product over axes. */
export function prod(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOver('prod', x, axes, keepDims);
}
/** Maximum over axes (gradient split evenly among ties). */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOver('max', x, axes, keepDims);
}
/** Minimum over axes. */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOver('min', x, axes, keepDims);
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  if (axis === undefined) {
    return tidy(() => reduceOver(op, reshape(x, [x.size]), 0, false));
  }
  return reduceOver(op, x, normAxis(op, axis, x.rank), keepDims);
}
/** Index of the first maximum along an axis (of the flattened tensor if no axis). int32. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmax', x, axis, keepDims);
}
/** Index of the first minimum along an axis (of the flattened tensor if no axis). int32. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argReduce('argmin', x, axis, keepDims);
}

function countOf(x: Tensor, axes: Axes): number {
  return sizeOf(normAxes('mean', axes, x.rank).map((i) => x.shape[i]));
}

/** Mean over axes. */
export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  assertDType('mean', x.dtype, 'float');
  const n = countOf(x, axes);
  return tidy(() => div(sum(x, axes, keepDims), n));
}

/** Options of `variance` and `std`. */
export interface VarianceOptions {
  /** Subtracted from the count (1 = unbiased, PyTorch's default; 0 = population). */
  readonly correction?: number;
  readonly keepDims?: boolean;
}

/** Variance over axes: Σ(x − mean)² / (n − correction). */
export function variance(x: Tensor, axes?: Axes, opts: VarianceOptions = {}): Tensor {
  assertDType('variance', x.dtype, 'float');
  const n = countOf(x, axes);
  const correction = opts.correction ?? 1;
  return tidy(() => {
    const d = sub(x, mean(x, axes, true));
    return div(sum(square(d), axes, opts.keepDims ?? false), Math.max(n - correction, 0));
  });
}

/** Standard deviation over axes: √variance. */
export function std(x: Tensor, axes?: Axes, opts: VarianceOptions = {}): Tensor {
  return tidy(() => sqrt(variance(x, axes, opts)));
}

/** Vector p-norm over axes: 2 (default), 1, Infinity, or any p > 0. */
export function norm(x: Tensor, ord = 2, axes?: Axes, keepDims = false): Tensor {
  assertDType('norm', x.dtype, 'float');
  return tidy(() => {
    if (ord === 2) return sqrt(sum(square(x), axes, keepDims));
    if (ord === 1) return sum(abs(x), axes, keepDims);
    if (ord === Infinity) return max(abs(x), axes, keepDims);
    if (!(ord > 0)) throw new ShapeError(`norm: ord must be positive or Infinity (got ${ord}).`);
    return pow(sum(pow(abs(x), ord), axes, keepDims), 1 / ord);
  });
}

/** log Σ exp(x) over axes, computed stably (the max is subtracted first). */
export function logSumExp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  assertDType('logSumExp', x.dtype, 'float');
  return tidy(() => {
    // The shift is a constant for autograd; −∞ rows keep a finite shift.
    const m = noGrad(() => maximum(max(x, axes, true), -3.4e38));
    const shifted = log(sum(exp(sub(x, m)), axes, true));
    const out = add(shifted, m);
    if (keepDims) return out;
    return reshape(out, x.shape.filter((_, i) => !normAxes('logSumExp', axes, x.rank).includes(i)));
  });
}

