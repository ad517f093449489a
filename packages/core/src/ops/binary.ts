import { runOp } from '../engine.js';
import { DTypeError } from '../errors.js';
import type { GradContext, OpDef, TensorInfo } from '../op.js';
import type { BinaryOpName, NoAttrs } from '../primitives.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ex, type ElementwiseAttrs, type ExprBinaryOp } from '../expr/ir.js';
import type { TensorLike } from './convert.js';
import { assertDType, type DTypeClass, withTensors } from './util.js';
import { sum } from './reduce.js';
import { reshape } from './movement.js';
import { cast, floor, log, neg, square } from './unary.js';

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, true) : g;
  return reshape(s, shape);
}

type Grad = (dy: Tensor, ctx: GradContext<NoAttrs>) => [Tensor | null, Tensor | null];

interface BinarySpec {
  readonly dtypes: DTypeClass;
  readonly bool?: true;
  readonly grad?: Grad;
}

/** Gradient mask for maximum/minimum: 1 where this side wins, ½ on ties (like PyTorch). */
function winMask(a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const w = cast(wins(a, b), a.dtype);
  const tie = cast(equal(a, b), a.dtype).mul(0.5);
  return add(w, tie);
}

/** One description per binary op: dtypes, bool output, gradient (before unbroadcast). */
const BINARY: { readonly [N in BinaryOpName]: BinarySpec } = {
  add: { dtypes: 'numeric', grad: (dy) => [dy, dy] },
  sub: { dtypes: 'numeric', grad: (dy) => [dy, neg(dy)] },
  mul: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [a, b], needsGrad }) => [needsGrad[0] ? mul(dy, b) : null, needsGrad[1] ? mul(dy, a) : null],
  },
  div: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [a, b], needsGrad }) => [
      needsGrad[0] ? div(dy, b) : null,
      needsGrad[1] ? neg(div(mul(dy, a), square(b))) : null,
    ],
  },
  pow: {
    dtypes: 'float',
    grad: (dy, { inputs: [a, b], output, needsGrad }) => [
      needsGrad[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null,
      // d/db aᵇ = aᵇ·ln a; taken as 0 where a = 0 (as PyTorch does).
      needsGrad[1] ? mul(dy, where(equal(a, 0), 0, mul(output, log(a)))) : null,
    ],
  },
  maximum: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [a, b] }) => [mul(dy, winMask(a, b, greater)), mul(dy, winMask(b, a, greater))],
  },
  minimum: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [a, b] }) => [mul(dy, winMask(a, b, less)), mul(dy, winMask(b, a, less))],
  },
  mod: {
    dtypes: 'numeric',
    grad: (dy, { inputs: [a, b], needsGrad }) => [dy, needsGrad[1] ? neg(mul(dy, floor(div(a, b)))) : null],
  },
  equal: { dtypes: 'any', bool: true },
  notEqual: { dtypes: 'any', bool: true },
  less: { dtypes: 'numeric', bool: true },
  lessEqual: { dtypes: 'numeric', bool: true },
  greater: { dtypes: 'numeric', bool: true },
  greaterEqual: { dtypes: 'numeric', bool: true },
  logicalAnd: { dtypes: 'bool', bool: true },
  logicalOr: { dtypes: 'bool', bool: true },
  logicalXor: { dtypes: 'bool', bool: true },
};

/** Checks two inputs share a dtype; the error names the op and the fix. */
export function assertSameDType(op: string, a: TensorInfo, b: TensorInfo): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: inputs have different dtypes (${a.dtype} and ${b.dtype}). Tessera does not promote ` +
        `silently; cast one of them, e.g. b.cast('${a.dtype}').`,
    );
  }
}

/** The IR node each binary op is (the op names predate the IR's short names). */
const BINARY_NODE: { readonly [N in BinaryOpName]: ExprBinaryOp } = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', pow: 'pow', maximum: 'max', minimum: 'min', mod: 'mod',
  equal: 'eq', notEqual: 'ne', less: 'lt', lessEqual: 'le', greater: 'gt', greaterEqual: 'ge',
  logicalAnd: 'and', logicalOr: 'or', logicalXor: 'xor',
};

function makeDef(name: BinaryOpName, spec: BinarySpec): OpDef<NoAttrs> {
  const attrs: ElementwiseAttrs = { expr: { op: BINARY_NODE[name], a: ex.input(0), b: ex.input(1) }, scalars: [] };
  const elementwise = () => attrs;
  const infer = ([a, b]: readonly TensorInfo[]) => {
    assertSameDType(name, a, b);
    assertDType(name, a.dtype, spec.dtypes);
    return { shape: broadcastShapes(name, a.shape, b.shape), dtype: spec.bool ? ('bool' as const) : a.dtype };
  };
  const g = spec.grad;
  if (!g) return { name, infer, elementwise, nonDifferentiable: true };
  return {
    name,
    infer,
    elementwise,
    grad: (dy, ctx) => {
      const [ga, gb] = g(dy, ctx);
      return [
        ga && ctx.needsGrad[0] ? unbroadcast(ga, ctx.inputs[0].shape) : null,
        gb && ctx.needsGrad[1] ? unbroadcast(gb, ctx.inputs[1].shape) : null,
      ];
    },
  };
}

/** Op definitions of the binary family, by name. */
export const binaryDefs = Object.fromEntries(
  Object.entries(BINARY).map(([n, s]) => [n, makeDef(n as BinaryOpName, s)]),
) as { readonly [N in BinaryOpName]: OpDef<NoAttrs> };

function binary(name: BinaryOpName): (a: TensorLike, b: TensorLike) => Tensor {
  const def = binaryDefs[name];
  return (a, b) => withTensors([a, b], (ts) => runOp(def, ts, {}));
}

/** a + b (broadcasting) */ export const add = binary('add');
/** a − b */ export const sub = binary('sub');
/** a · b */ export const mul = binary('mul');
/** a / b (floor division for int32) */ export const div = binary('div');
/** aᵇ */ export const pow = binary('pow');
/** Elementwise maximum. */ export const maximum = binary('maximum');
/** Elementwise minimum. */ export const minimum = binary('minimum');
/** Floored modulo (result has the sign of b, like Python and PyTorch's remainder). */ export const mod = binary('mod');
/** a == b (bool) */ export const equal = binary('equal');
/** a != b (bool) */ export const notEqual = binary('notEqual');
/** a < b (bool) */ export const less = binary('less');
/** a <= b (bool) */ export const lessEqual = binary('lessEqual');
/** a > b (bool) */ export const greater = binary('greater');
/** a >= b (bool) */ export const greaterEqual = binary('greaterEqual');
/** Logical and of bool tensors. */ export const logicalAnd = binary('logicalAnd');
/** Logical or of bool tensors. */ export const logicalOr = binary('logicalOr');
/** Logical xor of bool tensors. */ export const logicalXor = binary('logicalXor');

const WHERE: ElementwiseAttrs = { expr: ex.select(ex.input(0), ex.input(1), ex.input(2)), scalars: [] };

/** The `where` op: cond ? a : b with 3-way broadcasting. */
export const whereDef: OpDef<NoAttrs> = {
  name: 'where',
  elementwise: () => WHERE,
  infer: ([c, a, b]) => {
    assertDType('where', c.dtype, 'bool');
    assertSameDType('where', a, b);
    return { shape: broadcastShapes('where', c.shape, a.shape, b.shape), dtype: a.dtype };
  },
  grad: (dy, { inputs: [c, a, b], needsGrad }) => [
    null,
    needsGrad[1] ? unbroadcast(where(c, dy, 0), a.shape) : null,
    needsGrad[2] ? unbroadcast(where(c, 0, dy), b.shape) : null,
  ],
};

/** Picks a where cond is true, else b (broadcasting all three). Numbers take the other input's dtype. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return withTensors([cond], ([c]) =>
    withTensors([a, b], ([ta, tb]) => runOp(whereDef, [c, ta, tb], {})),
  );
}
