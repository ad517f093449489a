import type { BinaryOpName, UnaryOpName } from '@tessera/core';

/** WGSL element types of the three GPU dtypes. */
export type ScalarType = 'f32' | 'i32' | 'u32';

/**
 * A unary op as a WGSL expression in `x` (of the input type `t`). Attributes are `a0`,
 * `a1` (f32). The result has the output's type.
 */
export type UnaryExpr = (t: ScalarType) => string;

/** Unary ops with attributes, in the same family as the attribute-free ones. */
export type UnaryFamilyName = UnaryOpName | 'leakyRelu' | 'elu' | 'clip';

const float = (f: string, other = 'x'): UnaryExpr => (t) => (t === 'f32' ? f : other);

/** The one table behind every unary kernel (cast is built by `convert`). */
export const UNARY_EXPR: { readonly [N in UnaryFamilyName]: UnaryExpr } = {
  neg: () => '-x',
  abs: () => 'abs(x)',
  sign: float('select(sign(x), x, x != x)', 'clamp(x, -1i, 1i)'),
  exp: () => 'exp(x)',
  expm1: () => 't_expm1(x)',
  log: () => 'log(x)',
  log1p: () => 't_log1p(x)',
  sqrt: () => 'sqrt(x)',
  rsqrt: () => 'inverseSqrt(x)',
  square: () => 'x * x',
  reciprocal: () => '1.0 / x',
  sin: () => 'sin(x)',
  cos: () => 'cos(x)',
  tanh: () => 't_tanh(x)',
  sigmoid: () => 't_sigmoid(x)',
  // select keeps NaN, like PyTorch's relu.
  relu: float('select(x, 0.0, x < 0.0)', 'max(x, 0i)'),
  softplus: () => 't_softplus(x)',
  erf: () => 't_erf(x)',
  gelu: () => 't_gelu(x)',
  floor: float('floor(x)'),
  ceil: float('ceil(x)'),
  // WGSL's round() rounds half to even, like NumPy.
  round: float('round(x)'),
  logicalNot: () => 'select(0u, 1u, x == 0u)',
  leakyRelu: () => 'select(a0 * x, x, x > 0.0)',
  elu: () => 'select(a0 * t_expm1(x), x, x > 0.0)',
  // Integer inputs compare against the float bounds and take the truncated bound.
  clip: float('select(select(x, a1, x > a1), a0, x < a0)', 'select(select(x, i32(a1), f32(x) > a1), i32(a0), f32(x) < a0)'),
};

/** Converts a WGSL value of type `from` to `to` (bool is u32 0/1; float→int truncates). */
export function convert(expr: string, from: ScalarType, to: ScalarType): string {
  if (from === to) return expr;
  if (to === 'u32') return `select(0u, 1u, ${expr} != ${from}(0))`;
  return `${to}(${expr})`;
}

/** A binary op as a WGSL expression in `a`, `b` (both of type `t`). */
interface BinaryEntry {
  readonly expr: (t: ScalarType) => string;
  /** True: the expression is a bool condition, stored as u32 0/1. */
  readonly bool?: true;
}

const arith = (f: string, i: string = f): BinaryEntry => ({ expr: (t) => (t === 'f32' ? f : i) });
const cond = (c: string): BinaryEntry => ({ expr: () => c, bool: true });

/** The one table behind every binary kernel. */
export const BINARY_EXPR: { readonly [N in BinaryOpName]: BinaryEntry } = {
  add: arith('a + b'),
  sub: arith('a - b'),
  mul: arith('a * b'),
  div: arith('a / b', 't_idiv(a, b)'),
  pow: arith('t_pow(a, b)', 't_ipow(a, b)'),
  maximum: arith('t_fmax(a, b)', 'max(a, b)'),
  minimum: arith('t_fmin(a, b)', 'min(a, b)'),
  mod: arith('t_fmod(a, b)', 't_imod(a, b)'),
  equal: cond('a == b'),
  notEqual: cond('a != b'),
  less: cond('a < b'),
  lessEqual: cond('a <= b'),
  greater: cond('a > b'),
  greaterEqual: cond('a >= b'),
  logicalAnd: cond('(a != 0u) && (b != 0u)'),
  logicalOr: cond('(a != 0u) || (b != 0u)'),
  logicalXor: cond('(a != 0u) != (b != 0u)'),
};

/** The WGSL expression of a binary op, already in the output type. */
export function binaryExpr(name: BinaryOpName, t: ScalarType): string {
  const e = BINARY_EXPR[name];
  const expr = e.expr(t);
  return e.bool ? `select(0u, 1u, ${expr})` : expr;
}
