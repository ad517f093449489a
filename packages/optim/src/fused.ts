import {
  type AttrsArg,
  type ElementwiseAttrs,
  type Expr,
  type OpDef,
  type Tensor,
  type TensorInfo,
  DTypeError,
  ShapeError,
  ex,
  runOp,
} from '@tessera/core';

const [A, B, C] = [ex.input(0), ex.input(1), ex.input(2)];
const [S0, S1, S2, S3] = [ex.scalar(0), ex.scalar(1), ex.scalar(2), ex.scalar(3)];

/** The update's expression with its attributes as scalars, in the listed order. */
function update<T>(expr: Expr, scalars: (attrs: T) => readonly number[]): (attrs: T) => ElementwiseAttrs {
  return (attrs) => ({ expr, scalars: scalars(attrs) });
}

/**
 * Optimizer update rules as elementwise expressions, each written once, here: every backend
 * runs them through its one `elementwise` kernel (one pass over memory), with the attributes
 * as run-time scalars, so a scheduled learning rate never recompiles a kernel. A backend may
 * still register a kernel under an op's name and the engine then runs that instead.
 * Attributes are plain numbers.
 */

function sameShapeInfer(name: string) {
  return (inputs: readonly TensorInfo[]) => {
    const [a] = inputs;
    for (const t of inputs) {
      if (t.dtype !== a.dtype)
        throw new DTypeError(`${name}: all inputs must share a dtype (got ${inputs.map((i) => i.dtype).join(', ')}).`);
      if (t.shape.length !== a.shape.length || t.shape.some((d, i) => d !== a.shape[i])) {
        throw new ShapeError(
          `${name}: all inputs must have the same shape (got ${inputs.map((i) => `[${i.shape.join(', ')}]`).join(', ')}).`,
        );
      }
    }
    if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new DTypeError(`${name}: expects float tensors (got ${a.dtype}).`);
    return { shape: [...a.shape], dtype: a.dtype };
  };
}

/** Attributes of `optim.ema`: out = s·decay + x·scale. */
export interface EmaAttrs {
  readonly decay: number;
  readonly scale: number;
}

/** `optim.ema` (inputs s, x): a running average s·decay + x·scale (momentum buffers, Adam's m). */
export const emaDef: OpDef<EmaAttrs> = {
  name: 'optim.ema',
  infer: sameShapeInfer('optim.ema'),
  elementwise: update(ex.add(ex.mul(A, S0), ex.mul(B, S1)), ({ decay, scale }: EmaAttrs) => [decay, scale]),
  nonDifferentiable: true,
};

/** `optim.emaSquare` (inputs v, x): v·decay + x²·scale (Adam's v). */
export const emaSquareDef: OpDef<EmaAttrs> = {
  name: 'optim.emaSquare',
  infer: sameShapeInfer('optim.emaSquare'),
  elementwise: update(ex.add(ex.mul(A, S0), ex.mul(ex.mul(B, B), S1)), ({ decay, scale }: EmaAttrs) => [decay, scale]),
  nonDifferentiable: true,
};

/** Attributes of `optim.sgdStep`: out = θ − lr·d. */
export interface SgdStepAttrs {
  readonly lr: number;
}

/** `optim.sgdStep` (inputs θ, d): θ − lr·d. */
export const sgdStepDef: OpDef<SgdStepAttrs> = {
  name: 'optim.sgdStep',
  infer: sameShapeInfer('optim.sgdStep'),
  elementwise: update(ex.sub(A, ex.mul(B, S0)), ({ lr }: SgdStepAttrs) => [lr]),
  nonDifferentiable: true,
};

/** Attributes of `optim.adamStep`: bias corrections bc1 = 1 − β1ᵗ, bc2 = 1 − β2ᵗ. */
export interface AdamStepAttrs {
  readonly lr: number;
  readonly eps: number;
  readonly bc1: number;
  readonly bc2: number;
}

/** `optim.adamStep` (inputs θ, m, v): θ − lr·(m/bc1)/(√(v/bc2) + eps). */
export const adamStepDef: OpDef<AdamStepAttrs> = {
  name: 'optim.adamStep',
  infer: sameShapeInfer('optim.adamStep'),
  elementwise: update(
    ex.sub(A, ex.mul(ex.div(ex.div(B, S2), ex.add(ex.sqrt(ex.div(C, S3)), S1)), S0)),
    ({ lr, eps, bc1, bc2 }: AdamStepAttrs) => [lr, eps, bc1, bc2],
  ),
  nonDifferentiable: true,
};

/** Every fused-able update op, for registries (`use({ kind: 'ops', ops: fusedUpdateOps, … })`). */
export const fusedUpdateOps = [emaDef, emaSquareDef, sgdStepDef, adamStepDef] as const;

// Attributes may be functions (see `runOp`): compiled steps call them again at every
// replay, so a scheduled learning rate or a step counter stays current.

/** s·decay + x·scale through `optim.ema`. */
export function ema(s: Tensor, x: Tensor, decay: number, scale: number): Tensor;
export function ema(s: Tensor, x: Tensor, attrs: AttrsArg<EmaAttrs>): Tensor;
export function ema(s: Tensor, x: Tensor, decay: number | AttrsArg<EmaAttrs>, scale?: number): Tensor {
  return runOp(emaDef, [s, x], typeof decay === 'number' ? { decay, scale: scale! } : decay);
}
/** v·decay + x²·scale through `optim.emaSquare`. */
export function emaSquare(v: Tensor, x: Tensor, decay: number, scale: number): Tensor {
  return runOp(emaSquareDef, [v, x], { decay, scale });
}
/** θ − lr·d through `optim.sgdStep`. */
export function sgdStep(p: Tensor, d: Tensor, lr: number | (() => SgdStepAttrs)): Tensor {
  return runOp(sgdStepDef, [p, d], typeof lr === 'number' ? { lr } : lr);
}
/** The Adam parameter update through `optim.adamStep`. */
export function adamStep(p: Tensor, m: Tensor, v: Tensor, attrs: AttrsArg<AdamStepAttrs>): Tensor {
  return runOp(adamStepDef, [p, m, v], attrs);
}
