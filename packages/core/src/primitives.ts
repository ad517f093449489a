import type { DType } from './dtype.js';
import type { ElementwiseAttrs } from './expr/ir.js';

/**
 * Attributes of the elementwise ops, by name. These are not primitives: each is defined by
 * an expression (`OpDef.elementwise`, docs/expressions.md) and runs through a backend's one
 * `elementwise` kernel, unless the backend registers a kernel of the op's own name.
 */
export interface ElementwiseOpAttrs {
  // ---- unary elementwise: one input x, output has x's shape -------------------------
  // Output dtype equals x's dtype, except logicalNot (bool).
  neg: NoAttrs; abs: NoAttrs; sign: NoAttrs; exp: NoAttrs; expm1: NoAttrs; log: NoAttrs;
  log1p: NoAttrs; sqrt: NoAttrs; rsqrt: NoAttrs; square: NoAttrs; reciprocal: NoAttrs;
  sin: NoAttrs; cos: NoAttrs; tanh: NoAttrs; sigmoid: NoAttrs; relu: NoAttrs;
  softplus: NoAttrs; erf: NoAttrs; gelu: NoAttrs; floor: NoAttrs; ceil: NoAttrs;
  /** Rounds half to even, like PyTorch and NumPy. */
  round: NoAttrs;
  logicalNot: NoAttrs;
  /** x if x > 0 else alpha·x */
  leakyRelu: { readonly alpha: number };
  /** x if x > 0 else alpha·(eˣ − 1) */
  elu: { readonly alpha: number };
  /** min(max(x, min), max) */
  clip: { readonly min: number; readonly max: number };
  /** Converts element type (float→int truncates toward zero; nonzero→true). */
  cast: { readonly dtype: DType };

  // ---- binary elementwise: inputs a, b with NumPy broadcasting to out.shape ----------
  // a and b have the same dtype. Arithmetic output has that dtype; comparisons and
  // logical ops output bool. Integer div floors; mod is floored (sign of divisor).
  add: NoAttrs; sub: NoAttrs; mul: NoAttrs; div: NoAttrs; pow: NoAttrs;
  maximum: NoAttrs; minimum: NoAttrs; mod: NoAttrs;
  equal: NoAttrs; notEqual: NoAttrs; less: NoAttrs; lessEqual: NoAttrs;
  greater: NoAttrs; greaterEqual: NoAttrs;
  logicalAnd: NoAttrs; logicalOr: NoAttrs; logicalXor: NoAttrs;
  /** inputs (cond: bool, a, b), all broadcast to out.shape: cond ? a : b */
  where: NoAttrs;

}

/**
 * The attributes of every primitive op, by name. This is the whole contract between core
 * and a backend: a backend that implements a kernel for each of these names runs every
 * op Tessera has (everything else is composed from them, and every elementwise op is an
 * expression its `elementwise` kernel compiles). Shapes and dtypes of outputs are computed
 * by core and passed in `ctx.out`. Inputs are contiguous, row-major.
 */
export interface PrimitiveAttrs {
  // ---- the expression op: inputs broadcast to out.shape; out[i] = expr(inputs at i) ----
  /** See `ElementwiseAttrs` and docs/expressions.md; compile each `lowerExpr(expr, dtypes)` once per key. */
  elementwise: ElementwiseAttrs;

  // ---- reductions: input viewed as [outer, reduce, inner], output [outer, inner] ------
  sum: ReduceAttrs; prod: ReduceAttrs; max: ReduceAttrs; min: ReduceAttrs;
  /** Index (0..reduce-1, int32) of the first maximum. NaN counts as the maximum. */
  argmax: ReduceAttrs;
  /** Index (0..reduce-1, int32) of the first minimum. NaN counts as the minimum. */
  argmin: ReduceAttrs;

  // ---- linear algebra ---------------------------------------------------------------
  /**
   * Batched matmul. a is [Ba, M, K] ([Ba, K, M] if transposeA), b is [Bb, K, N]
   * ([Bb, N, K] if transposeB); Ba and Bb are equal or one of them is 1 (broadcast).
   * Output [max(Ba, Bb), M, N].
   */
  matmul: { readonly transposeA: boolean; readonly transposeB: boolean };

  // ---- movement ---------------------------------------------------------------------
  /** out[i0..in] = x[perm-permuted index]: out.shape[k] = x.shape[perm[k]] */
  transpose: { readonly perm: readonly number[] };
  /** Broadcasts x (same rank as out, dims equal or 1) to out.shape. */
  broadcastTo: { readonly shape: readonly number[] };
  /** out[i] = x[begin + i·step] per axis; steps are positive; `size` (= out.shape) per axis. */
  slice: { readonly begin: readonly number[]; readonly size: readonly number[]; readonly step: readonly number[] };
  /** Joins the inputs (same rank, same dtype) along `axis`. */
  concat: { readonly axis: number };
  /** Constant padding: pads[k] = [before, after] for axis k (non-negative). */
  pad: { readonly pads: readonly (readonly [number, number])[]; readonly value: number };
  /** Reverses the listed axes. */
  flip: { readonly axes: readonly number[] };
  /**
   * torch.gather: inputs (x, index: int32 of out.shape, same rank as x);
   * out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`.
   */
  gather: { readonly axis: number };
  /**
   * torch.scatter_add (out of place): inputs (x, index: int32, src: same shape as index);
   * out = copy of x; out[..., index[j], ...] += src[j] along `axis`.
   */
  scatterAdd: { readonly axis: number };

  // ---- neural-network ops (NCHW; 1-d variants are composed with H = 1) ---------------
  /** inputs (x [N, C, H, W], w [O, C/groups, kH, kW]) → [N, O, Ho, Wo] */
  conv2d: Conv2dAttrs;
  /** inputs (dy [N, O, Ho, Wo], w) → dx of shape `inputShape` */
  conv2dBackpropInput: Conv2dAttrs & { readonly inputShape: readonly number[] };
  /** inputs (x, dy [N, O, Ho, Wo]) → dw of shape `filterShape` */
  conv2dBackpropFilter: Conv2dAttrs & { readonly filterShape: readonly number[] };
  /** input x [N, C, H, W] → [N, C, Ho, Wo]; padding counts as −∞ */
  maxPool2d: Pool2dAttrs;
  /** inputs (dy, x) → dx: dy routed to the first maximum of each window */
  maxPool2dBackward: Pool2dAttrs;
  /** input x → [N, C, Ho, Wo]; divisor excludes padding unless countIncludePad */
  avgPool2d: Pool2dAttrs & { readonly countIncludePad: boolean };
  /** input dy → dx of shape `inputShape` */
  avgPool2dBackward: Pool2dAttrs & {
    readonly countIncludePad: boolean;
    readonly inputShape: readonly number[];
  };

  // ---- randomness -------------------------------------------------------------------
  /**
   * No inputs. Fills out.shape with counter-based random numbers, identical on every
   * backend: element i uses `philox`-style hash `hash2(key0, key1, i)` (see core's
   * `rng.ts`, which every backend must reproduce bit for bit for `uniform`).
   * `uniform`: [0, 1). `normal`: standard normal by Box–Muller from elements 2⌊i/2⌋ and
   * 2⌊i/2⌋+1 of the uniform stream.
   */
  random: {
    readonly dist: 'uniform' | 'normal';
    readonly key0: number;
    readonly key1: number;
    readonly shape: readonly number[];
    readonly dtype: DType;
  };
}

/** Attributes of ops that have none. */
export type NoAttrs = Record<string, never>;

/** Reduction geometry: input is viewed as [outer, reduce, inner]. */
export interface ReduceAttrs {
  readonly outer: number;
  readonly reduce: number;
  readonly inner: number;
}

/** 2-d convolution geometry. `pads` is [top, bottom, left, right]. */
export interface Conv2dAttrs {
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly groups: number;
}

/** 2-d pooling geometry. `pads` is [top, bottom, left, right]. */
export interface Pool2dAttrs {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
}

/** Name of a primitive op. */
export type PrimitiveName = keyof PrimitiveAttrs;

/** Name of an op defined by an expression (unary, binary, `where`, `cast` …). */
export type ElementwiseOpName = keyof ElementwiseOpAttrs;

/** Attributes of every built-in op that a kernel may be registered for: primitives and elementwise ops. */
export type OpAttrs = PrimitiveAttrs & ElementwiseOpAttrs;

/** A kernel table that covers every primitive op (a compile error names any missing). */
export type PrimitiveKernels<K> = { readonly [N in PrimitiveName]: K };

/** Unary elementwise primitives without attributes, generated as one family. */
export const UNARY_OPS = [
  'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square',
  'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'softplus', 'erf', 'gelu',
  'floor', 'ceil', 'round', 'logicalNot',
] as const;
/** Name of an attribute-free unary primitive. */
export type UnaryOpName = (typeof UNARY_OPS)[number];

/** Binary elementwise primitives (broadcasting), generated as one family. */
export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'logicalAnd', 'logicalOr', 'logicalXor',
] as const;
/** Name of a binary primitive. */
export type BinaryOpName = (typeof BINARY_OPS)[number];

/** Binary primitives whose output is bool. */
export const COMPARISON_OPS: readonly BinaryOpName[] = [
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'logicalAnd', 'logicalOr', 'logicalXor',
];

/** Reduction primitives, generated as one family. */
export const REDUCE_OPS = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'] as const;
/** Name of a reduction primitive. */
export type ReduceOpName = (typeof REDUCE_OPS)[number];
