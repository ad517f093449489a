import type { DType } from '../dtype.js';
import { runOp } from '../engine.js';
import type { GradContext, OpDef, TensorInfo } from '../op.js';
import type { ElementwiseOpAttrs, UnaryOpName } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { ex, type ElementwiseAttrs, type Expr } from '../expr/ir.js';
import { elementwiseDef } from './elementwise.js';
import type { TensorLike } from './convert.js';
import { assertDType, type DTypeClass, withTensors } from './util.js';
// Gradients are written with other ops so that higher orders work.
import { add, equal, mul } from './binary.js';
import { zerosLike } from './creation.js';

type Grad<A> = (dy: Tensor, ctx: GradContext<A>) => Tensor;

interface UnarySpec<A> {
  readonly dtypes: DTypeClass;
  /** d(input) given dy; absent: the op is piecewise constant (zero gradient) or not differentiable. */
  readonly grad?: Grad<A>;
  readonly outDType?: (x: DType, attrs: A) => DType;
  readonly nonDifferentiable?: true;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const zeroGrad: Grad<unknown> = (_dy, { inputs }) => zerosLike(inputs[0]);
const X = ex.input(0);
/** dy, the second input of a one-pass gradient expression. */
const DY1 = ex.input(1);
const S0 = ex.scalar(0);
const S1 = ex.scalar(1);
/** A gradient as one elementwise pass (its own gradient is derived, so higher orders work). */
const ew = (expr: Expr, inputs: Tensor[], scalars: readonly number[] = []): Tensor => runOp(elementwiseDef, inputs, { expr, scalars });

/** One description per unary op: accepted dtypes and gradient. */
const UNARY: { readonly [N in UnaryOpName]: UnarySpec<ElementwiseOpAttrs[N]> } = {
  neg: { dtypes: 'numeric', grad: (dy) => neg(dy) },
  abs: { dtypes: 'numeric', grad: (dy, { inputs: [x] }) => mul(dy, sign(x)) },
  sign: { dtypes: 'numeric', grad: zeroGrad },
  exp: { dtypes: 'float', grad: (dy, { output }) => mul(dy, output) },
  expm1: { dtypes: 'float', grad: (dy, { output }) => mul(dy, add(output, 1)) },
  log: { dtypes: 'float', grad: (dy, { inputs: [x] }) => dy.div(x) },
  log1p: { dtypes: 'float', grad: (dy, { inputs: [x] }) => dy.div(add(x, 1)) },
  sqrt: { dtypes: 'float', grad: (dy, { output }) => dy.div(mul(output, 2)) },
  rsqrt: { dtypes: 'float', grad: (dy, { output }) => mul(dy, output.pow(3)).mul(-0.5) },
  square: { dtypes: 'numeric', grad: (dy, { inputs: [x] }) => mul(dy, mul(x, 2)) },
  reciprocal: { dtypes: 'float', grad: (dy, { output }) => neg(mul(dy, square(output))) },
  sin: { dtypes: 'float', grad: (dy, { inputs: [x] }) => mul(dy, cos(x)) },
  cos: { dtypes: 'float', grad: (dy, { inputs: [x] }) => neg(mul(dy, sin(x))) },
  tanh: { dtypes: 'float', grad: (dy, { output }) => ew(ex.mul(DY1, ex.sub(1, ex.mul(X, X))), [output, dy]) },
  sigmoid: { dtypes: 'float', grad: (dy, { output }) => ew(ex.mul(DY1, ex.mul(X, ex.sub(1, X))), [output, dy]) },
  // From the output (y > 0 exactly where x > 0, NaN included): the input then has no reader
  // but relu, so compiled steps fuse relu into the matmul/conv epilogue that made it.
  relu: { dtypes: 'numeric', grad: (dy, { output }) => ew(ex.select(ex.gt(X, 0), DY1, 0), [output, dy]) },
  softplus: { dtypes: 'float', grad: (dy, { inputs: [x] }) => ew(ex.div(DY1, ex.add(1, ex.exp(ex.neg(X)))), [x, dy]) },
  erf: { dtypes: 'float', grad: (dy, { inputs: [x] }) => mul(dy, exp(neg(square(x)))).mul(TWO_OVER_SQRT_PI) },
  gelu: {
    dtypes: 'float',
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    grad: (dy, { inputs: [x] }) =>
      ew(
        ex.mul(
          DY1,
          ex.add(
            ex.mul(ex.add(ex.erf(ex.mul(X, Math.SQRT1_2)), 1), 0.5),
            ex.mul(X, ex.mul(ex.exp(ex.mul(ex.mul(X, X), -0.5)), INV_SQRT_2PI)),
          ),
        ),
        [x, dy],
      ),
  },
  floor: { dtypes: 'numeric', grad: zeroGrad },
  ceil: { dtypes: 'numeric', grad: zeroGrad },
  round: { dtypes: 'numeric', grad: zeroGrad },
  logicalNot: { dtypes: 'bool', nonDifferentiable: true },
};

type ParamUnaryName = 'leakyRelu' | 'elu' | 'clip' | 'cast';
const PARAM_UNARY: { readonly [N in ParamUnaryName]: UnarySpec<ElementwiseOpAttrs[N]> } = {
  leakyRelu: {
    dtypes: 'float',
    grad: (dy, { inputs: [x], attrs }) => ew(ex.select(ex.gt(X, 0), DY1, ex.mul(DY1, S0)), [x, dy], [attrs.alpha]),
  },
  elu: {
    dtypes: 'float',
    grad: (dy, { inputs: [x], attrs }) => ew(ex.select(ex.gt(X, 0), DY1, ex.mul(DY1, ex.mul(S0, ex.exp(X)))), [x, dy], [attrs.alpha]),
  },
  clip: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [x], attrs }) => ew(ex.select(ex.and(ex.ge(X, S0), ex.le(X, S1)), DY1, 0), [x, dy], [attrs.min, attrs.max]),
  },
  cast: {
    dtypes: 'any',
    outDType: (_x, a) => a.dtype,
    grad: (dy, { inputs: [x] }) => (dy.dtype === x.dtype ? dy : cast(dy, x.dtype)),
  },
};

const none: readonly number[] = [];
const fixed = (expr: Expr) => {
  const attrs: ElementwiseAttrs = { expr, scalars: none };
  return () => attrs;
};

/** What each unary op computes, as an expression of its input (attributes become scalars). */
const UNARY_EXPR: { readonly [N in UnaryOpName | ParamUnaryName]: (attrs: ElementwiseOpAttrs[N]) => ElementwiseAttrs } = {
  neg: fixed(ex.neg(X)), abs: fixed(ex.abs(X)), sign: fixed(ex.sign(X)), exp: fixed(ex.exp(X)),
  expm1: fixed(ex.expm1(X)), log: fixed(ex.log(X)), log1p: fixed(ex.log1p(X)), sqrt: fixed(ex.sqrt(X)),
  rsqrt: fixed(ex.div(1, ex.sqrt(X))),
  square: fixed(ex.mul(X, X)),
  reciprocal: fixed(ex.div(1, X)),
  sin: fixed(ex.sin(X)), cos: fixed(ex.cos(X)), tanh: fixed(ex.tanh(X)),
  sigmoid: fixed(ex.div(1, ex.add(1, ex.exp(ex.neg(X))))),
  // x < 0 ? 0 : x keeps NaN (PyTorch's relu propagates NaN).
  relu: fixed(ex.select(ex.lt(X, 0), 0, X)),
  // max(x, 0) + log1p(e^(−|x|)): no overflow for large |x|.
  softplus: fixed(ex.add(ex.max(X, 0), ex.log1p(ex.exp(ex.neg(ex.abs(X)))))),
  erf: fixed(ex.erf(X)),
  gelu: fixed(ex.mul(ex.mul(X, 0.5), ex.add(1, ex.erf(ex.mul(X, Math.SQRT1_2))))),
  floor: fixed(ex.floor(X)), ceil: fixed(ex.ceil(X)), round: fixed(ex.round(X)),
  logicalNot: fixed(ex.not(X)),
  leakyRelu: scaled(ex.select(ex.gt(X, 0), X, ex.mul(S0, X)), ({ alpha }) => [alpha]),
  elu: scaled(ex.select(ex.gt(X, 0), X, ex.mul(S0, ex.expm1(X))), ({ alpha }) => [alpha]),
  clip: scaled(ex.select(ex.lt(X, S0), S0, ex.select(ex.gt(X, S1), S1, X)), ({ min, max }) => [min, max]),
  cast: castExpr,
};

function scaled<A>(expr: Expr, scalars: (attrs: A) => readonly number[]): (attrs: A) => ElementwiseAttrs {
  return (attrs) => ({ expr, scalars: scalars(attrs) });
}

const CASTS = new Map<DType, ElementwiseAttrs>();
function castExpr({ dtype }: ElementwiseOpAttrs['cast']): ElementwiseAttrs {
  let a = CASTS.get(dtype);
  if (!a) CASTS.set(dtype, (a = { expr: ex.cast(X, dtype), scalars: none }));
  return a;
}

function makeDef<A>(name: UnaryOpName | ParamUnaryName, spec: UnarySpec<A>): OpDef<A> {
  const infer = ([x]: readonly TensorInfo[], attrs: A) => {
    assertDType(name, x.dtype, spec.dtypes);
    return { shape: [...x.shape], dtype: spec.outDType ? spec.outDType(x.dtype, attrs) : x.dtype };
  };
  const elementwise = UNARY_EXPR[name] as unknown as (attrs: A) => ElementwiseAttrs;
  if (spec.nonDifferentiable || !spec.grad) return { name, infer, elementwise, nonDifferentiable: true };
  const g = spec.grad;
  return { name, infer, elementwise, grad: (dy, ctx) => [g(dy, ctx)] };
}

/** Op definitions of the unary family, by name. */
export const unaryDefs = Object.fromEntries(
  [...Object.entries(UNARY), ...Object.entries(PARAM_UNARY)].map(([n, s]) => [
    n,
    makeDef(n as UnaryOpName | ParamUnaryName, s as UnarySpec<never>),
  ]),
) as { readonly [N in UnaryOpName | ParamUnaryName]: OpDef<ElementwiseOpAttrs[N]> };

function unary(name: UnaryOpName): (x: TensorLike) => Tensor {
  const def = unaryDefs[name];
  return (x) => withTensors([x], ([t]) => runOp(def, [t], {} as never));
}

/** −x */ export const neg = unary('neg');
/** |x| */ export const abs = unary('abs');
/** −1, 0 or 1 */ export const sign = unary('sign');
/** eˣ */ export const exp = unary('exp');
/** eˣ − 1, accurate near 0 */ export const expm1 = unary('expm1');
/** Natural log. */ export const log = unary('log');
/** log(1 + x), accurate near 0 */ export const log1p = unary('log1p');
/** √x */ export const sqrt = unary('sqrt');
/** 1/√x */ export const rsqrt = unary('rsqrt');
/** x² */ export const square = unary('square');
/** 1/x */ export const reciprocal = unary('reciprocal');
/** sin x */ export const sin = unary('sin');
/** cos x */ export const cos = unary('cos');
/** tanh x */ export const tanh = unary('tanh');
/** 1/(1 + e⁻ˣ) */ export const sigmoid = unary('sigmoid');
/** max(x, 0) */ export const relu = unary('relu');
/** log(1 + eˣ), numerically stable */ export const softplus = unary('softplus');
/** The error function. */ export const erf = unary('erf');
/** x·Φ(x) (exact, erf-based) */ export const gelu = unary('gelu');
/** ⌊x⌋ */ export const floor = unary('floor');
/** ⌈x⌉ */ export const ceil = unary('ceil');
/** Round half to even. */ export const round = unary('round');
/** Logical not of a bool tensor. */ export const logicalNot = unary('logicalNot');

/** x if x > 0 else alpha·x */
export function leakyRelu(x: TensorLike, alpha = 0.01): Tensor {
  return withTensors([x], ([t]) => runOp(unaryDefs.leakyRelu, [t], { alpha }));
}
/** x if x > 0 else alpha·(eˣ − 1) */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return withTensors([x], ([t]) => runOp(unaryDefs.elu, [t], { alpha }));
}
/** Clamps values into [min, max]. */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  return withTensors([x], ([t]) => runOp(unaryDefs.clip, [t], { min, max }));
}
/** Converts the element type (float→int truncates toward zero). */
export function cast(x: TensorLike, dtype: DType): Tensor {
  return withTensors([x], ([t]) => runOp(unaryDefs.cast, [t], { dtype }));
}
/** A copy with its own storage; gradients flow through. */
export function clone(x: Tensor): Tensor {
  return runOp(unaryDefs.cast, [x], { dtype: x.dtype });
}
/** True where x is NaN. */
export function isnan(x: Tensor): Tensor {
  return equal(x, x).logicalNot();
}
