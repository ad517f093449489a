import { runOp } from '../engine.js';
import { ex, type Expr } from '../expr/ir.js';
import { elementwise } from './elementwise.js';
import { DTypeError, ShapeError, TesseraError, fmtShape } from '../errors.js';
import { isGradEnabled } from '../grad-mode.js';
import type { OpDef, TensorInfo } from '../op.js';
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { assertDType } from './util.js';

/** The activations `biasActivation` fuses (Keras' `activation=` names; 'linear' is none). */
export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** Every `FusedActivation`, in a fixed order (for tests and option checks). */
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];

/** Attributes of `biasActivation` and `biasActivationGrad`: the bias axis (normalised, ≥ 0) and the activation. */
export interface BiasActivationAttrs {
  readonly axis: number;
  readonly activation: FusedActivation;
}

/** Attributes of `biasAddGrad`: the axis the bias runs along (normalised, ≥ 0). */
export interface BiasAddGradAttrs {
  readonly axis: number;
}

/** Throws unless `activation` is one `biasActivation` knows. */
export function assertFusedActivation(op: string, activation: string): asserts activation is FusedActivation {
  if (!(FUSED_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new TesseraError(`${op}: unknown activation '${activation}'; use one of ${FUSED_ACTIVATIONS.map((a) => `'${a}'`).join(', ')}.`);
  }
}

function checkAxis(op: string, x: TensorInfo, axis: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for x ${fmtShape(x.shape)}; pass an axis in 0..${x.shape.length - 1} ` +
      `(negative axes are normalised by biasActivation()).`);
  }
}

function checkBias(op: string, x: TensorInfo, bias: TensorInfo, axis: number): void {
  assertDType(op, x.dtype, 'float');
  if (bias.dtype !== x.dtype)
    throw new DTypeError(`${op}: bias is ${bias.dtype} but x is ${x.dtype}; cast the bias with .cast('${x.dtype}').`);
  checkAxis(op, x, axis);
  const c = x.shape[axis];
  if (bias.shape.length !== 1 || bias.shape[0] !== c) {
    throw new ShapeError(
      `${op}: bias must be 1-D of length x.shape[${axis}] = ${c} (x ${fmtShape(x.shape)}, axis ${axis}) but is ${fmtShape(bias.shape)}; ` +
        `pass the axis the bias runs along (axis: 1 for NCHW conv outputs, −1 for [N, F]) or reshape the bias to [${c}].`,
    );
  }
}

/** The bias's shape for broadcasting against x: [C] at `axis`, 1 elsewhere. */
function alongAxis(c: number, axis: number, rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => (i === axis ? c : 1));
}

/** Every axis of a rank-`rank` tensor but `axis`: dbias sums over these. */
function otherAxes(axis: number, rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
}

const [X, B] = [ex.input(0), ex.input(1)];
/** act(x + bias), as an expression of x (input 0) and the bias (input 1, seen along `axis`). */
const FORWARD: Readonly<Record<FusedActivation, Expr>> = (() => {
  const z = ex.add(X, B);
  return {
    linear: z,
    relu: ex.select(ex.lt(z, 0), 0, z),
    sigmoid: ex.div(1, ex.add(1, ex.exp(ex.neg(z)))),
    tanh: ex.tanh(z),
  };
})();
/** dy·act′ from the output y: dy is input 0, y input 1 (relu y > 0, sigmoid y(1 − y), tanh 1 − y²). */
const BACKWARD: Readonly<Record<FusedActivation, Expr>> = {
  linear: X,
  relu: ex.select(ex.gt(B, 0), X, 0),
  sigmoid: ex.mul(X, ex.mul(B, ex.sub(1, B))),
  tanh: ex.mul(X, ex.sub(1, ex.mul(B, B))),
};
const NONE: readonly number[] = [];

/**
 * dz = dy·act′(z) from the activation's output y (so the forward input need not be kept):
 * relu y > 0, sigmoid y(1 − y), tanh 1 − y², linear 1. Inputs dy and y of one shape; the
 * result has that shape and is also dx of `biasActivation`. A composite a backend may fuse
 * (kernel name 'biasActivationGrad'); no gradient of its own (graphs of the gradient use
 * the decomposition).
 */
export const biasActivationGradDef: OpDef<BiasActivationAttrs> = {
  name: 'biasActivationGrad',
  infer: ([dy, y], { axis, activation }) => {
    assertFusedActivation('biasActivationGrad', activation);
    assertDType('biasActivationGrad', y.dtype, 'float');
    if (dy.dtype !== y.dtype || dy.shape.length !== y.shape.length || dy.shape.some((d, i) => d !== y.shape[i])) {
      throw new ShapeError(
        `biasActivationGrad: dy must be ${y.dtype} ${fmtShape(y.shape)} like the output y but is ${dy.dtype} ${fmtShape(dy.shape)}.`,
      );
    }
    checkAxis('biasActivationGrad', y, axis);
    return { shape: [...y.shape], dtype: y.dtype };
  },
  elementwise: ({ activation }) => ({ expr: BACKWARD[activation], scalars: NONE }),
  nonDifferentiable: true,
};

/**
 * The bias gradient: dz summed over every axis but `axis`, a 1-D tensor of length
 * dz.shape[axis]. A composite a backend may fuse (kernel name 'biasAddGrad', after
 * TensorFlow's BiasAddGrad) to sum in place instead of transposing first.
 */
export const biasAddGradDef: OpDef<BiasAddGradAttrs> = {
  name: 'biasAddGrad',
  infer: ([dz], { axis }) => {
    assertDType('biasAddGrad', dz.dtype, 'float');
    checkAxis('biasAddGrad', dz, axis);
    return { shape: [dz.shape[axis]], dtype: dz.dtype };
  },
  decompose: ([dz], { axis }) => sum(dz, otherAxes(axis, dz.shape.length)),
  nonDifferentiable: true,
};

/**
 * act(x + bias) with the 1-D bias broadcast along `axis`. A composite a backend may fuse
 * (kernel name 'biasActivation'); its gradient is dx = `biasActivationGrad(dy, y)` and
 * dbias = `biasAddGrad(dx)` (both composites a backend may fuse), or, when a graph of the
 * gradient is being built, their decompositions, so second order works.
 */
export const biasActivationDef: OpDef<BiasActivationAttrs> = {
  name: 'biasActivation',
  infer: ([x, bias], { axis, activation }) => {
    assertFusedActivation('biasActivation', activation);
    checkBias('biasActivation', x, bias, axis);
    return { shape: [...x.shape], dtype: x.dtype };
  },
  elementwise: ({ axis, activation }, [x, bias]) => ({
    expr: FORWARD[activation],
    scalars: NONE,
    shapes: [undefined, alongAxis(bias.shape[0], axis, x.shape.length)],
  }),
  grad: (dy, { output: y, attrs, needsGrad }) => {
    const graph = isGradEnabled();
    // 'linear' passes dy through: no kernel to run.
    // 'linear' passes dy through: no kernel to run. Building a graph of the gradient, the
    // same expression runs as the (differentiable) elementwise op.
    const dz =
      attrs.activation === 'linear'
        ? dy
        : graph
        ? elementwise(BACKWARD[attrs.activation], [dy, y])
        : runOp(biasActivationGradDef, [dy, y], attrs);
    if (!needsGrad[1]) return [dz, null];
    const dbias = graph ? sum(dz, otherAxes(attrs.axis, y.rank)) : runOp(biasAddGradDef, [dz], { axis: attrs.axis });
    return [dz, dbias];
  },
};

/** Options of `biasActivation`. */
export interface BiasActivationOptions {
  /** The axis of x the bias runs along (default −1: features of [N, F]; 1 for NCHW conv outputs). */
  readonly axis?: number;
  /** The activation applied after the bias (default 'linear': a plain bias add). */
  readonly activation?: FusedActivation;
}

/**
 * act(x + bias), the 1-D `bias` (length x.shape[axis]) broadcast along `axis`, in one op
 * that backends fuse (one pass forward; the gradient is computed from the output and the
 * bias gradient summed in place). Keras' `Dense(units, activation=…)` epilogue.
 *
 * @example
 * biasActivation(x.matmul(w), b, { activation: 'relu' });            // [N, F], bias [F]
 * biasActivation(conv2d(x, k), b, { axis: 1, activation: 'linear' }); // NCHW, bias [C]
 */
export function biasActivation(x: Tensor, bias: Tensor, opts: BiasActivationOptions = {}): Tensor {
  const activation = opts.activation ?? 'linear';
  assertFusedActivation('biasActivation', activation);
  return runOp(biasActivationDef, [x, bias], { axis: normAxis('biasActivation', opts.axis ?? -1, x.rank), activation });
}

/**
 * dz = dy·act′ from the output y of `biasActivation` (relu y > 0, sigmoid y(1 − y),
 * tanh 1 − y², linear 1): the gradient `biasActivation` uses, for custom backward passes.
 *
 * @example
 * const dx = biasActivationGrad(dy, y, { activation: 'relu' });
 */
export function biasActivationGrad(dy: Tensor, y: Tensor, opts: BiasActivationOptions = {}): Tensor {
  const activation = opts.activation ?? 'linear';
  assertFusedActivation('biasActivationGrad', activation);
  return runOp(biasActivationGradDef, [dy, y], { axis: normAxis('biasActivationGrad', opts.axis ?? -1, y.rank), activation });
}

/**
 * The gradient of a bias added along `axis` (default −1): dz summed over every other axis.
 *
 * @example
 * biasAddGrad(dz, 1); // [N, C, H, W] → [C]
 */
export function biasAddGrad(dz: Tensor, axis = -1): Tensor {
  return runOp(biasAddGradDef, [dz], { axis: normAxis('biasAddGrad', axis, dz.rank) });
}
