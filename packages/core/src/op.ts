import type { DType } from './dtype.js';
import type { ElementwiseAttrs } from './expr/ir.js';
import type { Tensor } from './tensor.js';

/** Shape and dtype of an op input, as inference sees it. */
export interface TensorInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** What an op's gradient function gets besides the output gradient. */
export interface GradContext<A> {
  /** The op's inputs (kept alive by the autograd graph). */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  readonly attrs: A;
  /** Whether input i needs a gradient: skip the work for the others. */
  readonly needsGrad: readonly boolean[];
}

/** Input gradients, one per input, `null` where there is none. */
export type InputGrads = readonly (Tensor | null)[];

interface OpDefBase<A> {
  /** Unique op name; kernels are registered under it. */
  readonly name: string;
  /**
   * Output shape and dtype from input shapes, dtypes and attributes. Throws ShapeError or
   * DTypeError naming the op, the shapes and the fix.
   */
  infer(inputs: readonly TensorInfo[], attrs: A): { shape: number[]; dtype: DType };
  /**
   * Composite ops: the op written with other ops. Used when the backend has no kernel of
   * this name; a backend may register a fused kernel that overrides it.
   */
  decompose?(inputs: readonly Tensor[], attrs: A): Tensor;
  /**
   * Elementwise ops: the expression the op computes (over its inputs, broadcast to the
   * output shape) and its scalars. A backend without a kernel of the op's own name runs
   * its one `elementwise` kernel with these attributes (see docs/expressions.md).
   * `inputs` gives the inputs' shapes and dtypes (for `shapes`, e.g. a bias seen as [C, 1, 1]).
   */
  elementwise?(attrs: A, inputs: readonly TensorInfo[]): ElementwiseAttrs;
  /** The output shares input 0's storage (reshape): no kernel runs. */
  readonly view?: boolean;
  /**
   * Attributes that must be drawn anew at every replay of a compiled step (random keys):
   * returns the attributes for the next execution. Eager calls never use it.
   */
  fresh?(attrs: A): A;
}

/** An op whose gradient is written with other ops (so higher orders work). */
export interface DifferentiableOpDef<A> extends OpDefBase<A> {
  grad(dy: Tensor, ctx: GradContext<A>): InputGrads;
  readonly nonDifferentiable?: undefined;
}

/** An op with no gradient (comparisons, argmax, random). Its output never requires grad. */
export interface NonDifferentiableOpDef<A> extends OpDefBase<A> {
  readonly nonDifferentiable: true;
  readonly grad?: undefined;
}

/**
 * An op definition: a plain object, defined once in core (or by a plugin). A missing
 * gradient is a compile error: an op either has `grad` or says `nonDifferentiable`.
 */
export type OpDef<A> = DifferentiableOpDef<A> | NonDifferentiableOpDef<A>;

/** Identity helper that type-checks an op definition. */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}
