import type { DType } from '../dtype.js';

/**
 * Unary nodes of the elementwise expression IR. Transcendental ones (`exp` … `erf`) need a
 * float operand; `not` a bool one; the others any numeric one.
 */
export const EXPR_UNARY = [
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tanh', 'erf',
  'floor', 'ceil', 'round', 'not',
] as const;

/**
 * Binary nodes of the IR. Operands share a dtype; `eq`…`ge` give bool; `and`/`or`/`xor`
 * take bools; integer `div` floors and `mod` is floored (the sign of the divisor).
 */
export const EXPR_BINARY = [
  'add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'mod',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor',
] as const;

/** A unary node's function. */
export type ExprUnaryOp = (typeof EXPR_UNARY)[number];
/** A binary node's function. */
export type ExprBinaryOp = (typeof EXPR_BINARY)[number];

/** Input `index` of the call, broadcast to the output shape. */
export interface InputExpr {
  readonly op: 'input';
  readonly index: number;
}
/** A literal; it takes the dtype of the value it is combined with. */
export interface ConstExpr {
  readonly op: 'const';
  readonly value: number;
}
/** Run-time number `scalars[index]` of the call: changes without recompiling the kernel. */
export interface ScalarExpr {
  readonly op: 'scalar';
  readonly index: number;
}
/** A unary function of `x`. */
export interface UnaryExpr {
  readonly op: ExprUnaryOp;
  readonly x: Expr;
}
/** A binary function of `a` and `b`. */
export interface BinaryExpr {
  readonly op: ExprBinaryOp;
  readonly a: Expr;
  readonly b: Expr;
}
/** `cond ? a : b`; `cond` is bool. */
export interface SelectExpr {
  readonly op: 'select';
  readonly cond: Expr;
  readonly a: Expr;
  readonly b: Expr;
}
/** Converts `x` to `dtype` (float→int truncates toward zero; nonzero→true). */
export interface CastExpr {
  readonly op: 'cast';
  readonly x: Expr;
  readonly dtype: DType;
}

/** An elementwise expression over a call's inputs: what one output element is. */
export type Expr = InputExpr | ConstExpr | ScalarExpr | UnaryExpr | BinaryExpr | SelectExpr | CastExpr;

/** Attributes of the `elementwise` primitive: the expression and its run-time scalars. */
export interface ElementwiseAttrs {
  readonly expr: Expr;
  /** Values of the expression's `scalar(i)` nodes (learning rates, `alpha`): not part of a kernel's cache key. */
  readonly scalars: readonly number[];
  /**
   * Per input, the shape the kernel sees it with instead of its own (same element count:
   * a view, e.g. a bias [C] seen as [C, 1, 1] to broadcast along axis 1 of NCHW); an
   * absent entry keeps the input's shape. Used by named ops' `elementwise`, not by
   * `elementwise()` calls.
   */
  readonly shapes?: readonly (readonly number[] | undefined)[];
}

/**
 * The `epilogue` attribute a kernel listed in `BackendImpl.epilogueKernels` receives:
 * `input(0)` is the kernel's own result, `input(1…)` the extra inputs appended after its
 * inputs; the output has the expression's dtype.
 */
export interface EpilogueAttrs {
  readonly expr: Expr;
  readonly scalars: readonly number[];
}

/**
 * The `prologue` attribute a kernel listed in `BackendImpl.prologueKernels` receives: its
 * input `input` is not passed; the kernel computes it where it would load it, from the
 * expression over the inputs appended after its other inputs (each the replaced input's
 * size, read at the same flat index, or one element, read at 0).
 */
export interface PrologueAttrs {
  readonly input: number;
  readonly expr: Expr;
  readonly scalars: readonly number[];
}

/** An operand: an expression or a number (a literal). */
export type ExprLike = Expr | number;

const lit = (e: ExprLike): Expr => (typeof e === 'number' ? { op: 'const', value: e } : e);
const un = (op: ExprUnaryOp) => (x: ExprLike): Expr => ({ op, x: lit(x) });
const bin = (op: ExprBinaryOp) => (a: ExprLike, b: ExprLike): Expr => ({ op, a: lit(a), b: lit(b) });

/**
 * Builders of expression nodes; numbers become literals.
 *
 * @example
 * const x = ex.input(0);
 * const relu = ex.select(ex.lt(x, 0), 0, x);
 * const leaky = ex.select(ex.gt(x, 0), x, ex.mul(ex.scalar(0), x)); // alpha = scalars[0]
 */
export const ex = {
  input: (index: number): Expr => ({ op: 'input', index }),
  const: (value: number): Expr => ({ op: 'const', value }),
  scalar: (index: number): Expr => ({ op: 'scalar', index }),
  neg: un('neg'), abs: un('abs'), sign: un('sign'), exp: un('exp'), expm1: un('expm1'),
  log: un('log'), log1p: un('log1p'), sqrt: un('sqrt'), sin: un('sin'), cos: un('cos'),
  tanh: un('tanh'), erf: un('erf'), floor: un('floor'), ceil: un('ceil'), round: un('round'),
  not: un('not'),
  add: bin('add'), sub: bin('sub'), mul: bin('mul'), div: bin('div'), pow: bin('pow'),
  max: bin('max'), min: bin('min'), mod: bin('mod'),
  eq: bin('eq'), ne: bin('ne'), lt: bin('lt'), le: bin('le'), gt: bin('gt'), ge: bin('ge'),
  and: bin('and'), or: bin('or'), xor: bin('xor'),
  select: (cond: ExprLike, a: ExprLike, b: ExprLike): Expr => ({ op: 'select', cond: lit(cond), a: lit(a), b: lit(b) }),
  cast: (x: ExprLike, dtype: DType): Expr => ({ op: 'cast', x: lit(x), dtype }),
  /** Sums operands left to right (`a + b + c` rounds like the chain of single adds). */
  sum: (...xs: ExprLike[]): Expr => xs.map(lit).reduce((a, b) => ({ op: 'add', a, b })),
} as const;

/** Whether `op` is a unary IR function. */
export function isUnaryOp(op: string): op is ExprUnaryOp {
  return (EXPR_UNARY as readonly string[]).includes(op);
}

/** Whether `op` is a binary IR function. */
export function isBinaryOp(op: string): op is ExprBinaryOp {
  return (EXPR_BINARY as readonly string[]).includes(op);
}

/** Rewrites an expression bottom-up: `leaf` maps inputs/constants/scalars, other nodes are rebuilt. */
export function mapLeaves(e: Expr, leaf: (e: InputExpr | ConstExpr | ScalarExpr) => Expr): Expr {
  switch (e.op) {
    case 'input':
    case 'const':
    case 'scalar':
      return leaf(e);
    case 'select':
      return { op: 'select', cond: mapLeaves(e.cond, leaf), a: mapLeaves(e.a, leaf), b: mapLeaves(e.b, leaf) };
    case 'cast':
      return { op: 'cast', x: mapLeaves(e.x, leaf), dtype: e.dtype };
    default:
      return 'x' in e ? { op: e.op, x: mapLeaves(e.x, leaf) } : { op: e.op, a: mapLeaves(e.a, leaf), b: mapLeaves(e.b, leaf) };
  }
}
