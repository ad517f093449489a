import { runOp } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { ElementwiseAttrs, Expr } from '../expr/ir.js';
import { ExprError, lowerExpr } from '../expr/lower.js';
import { exprGrads } from '../expr/grad.js';
import type { GradContext, InputGrads, OpDef, TensorInfo } from '../op.js';
import { assertDType, type DTypeClass } from './util.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast } from './binary.js';

/** Output shape (the inputs broadcast together) and dtype (the expression's) of an elementwise call. */
export function inferElementwise(
  op: string,
  inputs: readonly TensorInfo[],
  { expr, scalars }: ElementwiseAttrs,
): { shape: number[]; dtype: TensorInfo['dtype'] } {
  if (inputs.length === 0) throw new ShapeError(`${op}: an elementwise op needs at least one input tensor (it takes its shape from them).`);
  const lowered = lowerExpr(
    expr,
    inputs.map((t) => t.dtype),
  );
  if (scalars.length < lowered.scalars) {
    throw new ExprError(
      `${op}: the expression reads scalar(${lowered.scalars - 1}) but ${scalars.length} scalar(s) were given; pass one ` +
        `value per scalar node.`,
    );
  }
  return { shape: broadcastShapes(op, ...inputs.map((t) => t.shape)), dtype: lowered.dtype };
}

/**
 * The `elementwise` primitive: `out[i] = expr(inputs broadcast to out's shape at i)`. Every
 * backend implements it once (an expression compiler); named elementwise ops (`relu`,
 * `add`, a plugin's `swish`) run through it unless a backend has a kernel of their own name.
 * Its gradient is derived from the expression (forward-mode derivative per input, times dy).
 */
export const elementwiseDef: OpDef<ElementwiseAttrs> = {
  name: 'elementwise',
  infer: (inputs, attrs) => inferElementwise('elementwise', inputs, attrs),
  elementwise: (attrs) => attrs,
  grad: (dy, { inputs, attrs, needsGrad }) => {
    const grads = exprGrads(attrs.expr, inputs.length, needsGrad);
    return grads.map((g, i) =>
      g === null ? null : unbroadcast(runOp(elementwiseDef, [...inputs, dy], { expr: g, scalars: attrs.scalars }), inputs[i].shape),
    );
  },
};

/**
 * Runs an elementwise expression over tensors (broadcast together). Gradients flow to every
 * float input, derived from the expression.
 *
 * @example
 * const x = ex.input(0);
 * const swish = elementwise(ex.mul(x, ex.div(1, ex.add(1, ex.exp(ex.neg(x))))), [t]);
 * const scaled = elementwise(ex.mul(ex.input(0), ex.scalar(0)), [t], [0.5]);
 */
export function elementwise(expr: Expr, inputs: readonly Tensor[], scalars: readonly number[] = []): Tensor {
  return runOp(elementwiseDef, inputs, { expr, scalars });
}

/** What `defineElementwise` needs: a name, the expression, and optionally dtypes and a gradient. */
export interface ElementwiseOpSpec<A> {
  /** Unique op name (prefix plugin ops with the package, e.g. `'myPkg.swish'`). */
  readonly name: string;
  /** The expression over the op's inputs, or a function of the attributes giving it with its scalars. */
  readonly expr: Expr | ((attrs: A) => ElementwiseAttrs);
  /** Dtypes every input must have (default 'float'). */
  readonly dtypes?: DTypeClass;
  /** The gradient written with ops; default: derived from the expression. */
  readonly grad?: (dy: Tensor, ctx: GradContext<A>) => InputGrads;
  /** No gradient (comparisons, rounding). */
  readonly nonDifferentiable?: boolean;
}

/**
 * Defines an elementwise op by its expression: it runs on every backend through the
 * backend's `elementwise` kernel (no kernel to write), fuses in compiled steps, and has a
 * gradient derived from the expression unless one is given.
 *
 * @example
 * const x = ex.input(0);
 * const swishDef = defineElementwise({ name: 'myPkg.swish', expr: ex.mul(x, ex.div(1, ex.add(1, ex.exp(ex.neg(x))))) });
 * const swish = (t: Tensor) => runOp(swishDef, [t], {});
 */
export function defineElementwise<A = Record<string, never>>(spec: ElementwiseOpSpec<A>): OpDef<A> {
  const { name, expr } = spec;
  const fixed: ElementwiseAttrs | null = typeof expr === 'function' ? null : { expr, scalars: [] };
  const toAttrs = (attrs: A): ElementwiseAttrs => fixed ?? (expr as (a: A) => ElementwiseAttrs)(attrs);
  const infer = (inputs: readonly TensorInfo[], attrs: A) => {
    for (const t of inputs) assertDType(name, t.dtype, spec.dtypes ?? 'float');
    return inferElementwise(name, inputs, toAttrs(attrs));
  };
  if (spec.nonDifferentiable) return { name, infer, elementwise: toAttrs, nonDifferentiable: true };
  const derived = (dy: Tensor, { inputs, attrs, needsGrad, output }: GradContext<A>): InputGrads =>
    elementwiseDef.grad!(dy, { inputs, attrs: toAttrs(attrs), needsGrad, output });
  return { name, infer, elementwise: toAttrs, grad: spec.grad ?? derived };
}
