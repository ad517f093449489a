import { runOp } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isGradEnabled } from '../grad-mode.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import type { Tensor } from '../tensor.js';
import { greaterEqual, less, logicalAnd, logicalOr, mul, notEqual, sub, where } from './binary.js';
import { gather, squeeze, unsqueeze } from './movement.js';
import { logSoftmax, oneHot, softmax } from './nn.js';
import { logicalNot, neg } from './unary.js';
import { assertDType } from './util.js';

/** Attributes of `softmaxCrossEntropy`: the class index whose rows contribute nothing. */
export interface SoftmaxCrossEntropyAttrs {
  readonly ignoreIndex: number;
}

function checkPair(op: string, x: TensorInfo, t: TensorInfo): void {
  assertDType(op, x.dtype, 'float');
  if (t.dtype !== 'int32')
    throw new DTypeError(`${op}: labels must be int32 class indices but are ${t.dtype}; cast them with .cast('int32').`);
  if (x.shape.length !== 2 || t.shape.length !== 1 || t.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${op}: expects logits [N, C] and labels [N] but got ${fmtShape(x.shape)} and ${fmtShape(t.shape)}.`);
  }
}

/** Masks of the rows: kept (label ≠ ignoreIndex) and valid (label in [0, C) or ignored). */
function masks(t: Tensor, classes: number, ignoreIndex: number): { keep: Tensor; valid: Tensor; safe: Tensor } {
  const keep = notEqual(t, ignoreIndex);
  const inRange = logicalAnd(greaterEqual(t, 0), less(t, classes));
  return { keep, valid: logicalOr(inRange, logicalNot(keep)), safe: where(logicalAnd(keep, inRange), t, 0) };
}

/**
 * (softmax(x) − onehot(t))·dyₙ per row, exactly 0 on ignored and out-of-range rows, from
 * other ops. Those rows select 0 rather than multiply dy by 0: a mean over a batch whose
 * every target is ignored divides by 0, sends dy = ±∞ to each row, and ∞·0 would put NaN
 * into the weights.
 */
function decomposedGrad(x: Tensor, t: Tensor, dy: Tensor, ignoreIndex: number): Tensor {
  return tidy(() => {
    const { keep, valid, safe } = masks(t, x.shape[1], ignoreIndex);
    const scale = where(logicalAnd(keep, valid), dy, 0);
    return mul(sub(softmax(x, 1), oneHot(safe, x.shape[1], x.dtype === 'float64' ? 'float64' : 'float32')), unsqueeze(scale, 1));
  });
}

/**
 * The gradient of `softmaxCrossEntropy` with respect to the logits: inputs logits [N, C],
 * labels [N] and the output gradient dy [N]. A composite a backend may fuse (kernel name
 * 'softmaxCrossEntropyGrad'); it has no gradient itself (higher orders use the decomposition).
 */
export const softmaxCrossEntropyGradDef: OpDef<SoftmaxCrossEntropyAttrs> = {
  name: 'softmaxCrossEntropyGrad',
  infer: ([x, t, dy]) => {
    checkPair('softmaxCrossEntropyGrad', x, t);
    if (dy.shape.length !== 1 || dy.shape[0] !== x.shape[0] || dy.dtype !== x.dtype) {
      throw new ShapeError(`softmaxCrossEntropyGrad: dy must be ${x.dtype} [${x.shape[0]}] but is ${dy.dtype} ${fmtShape(dy.shape)}.`);
    }
    return { shape: [...x.shape], dtype: x.dtype };
  },
  decompose: ([x, t, dy], { ignoreIndex }) => decomposedGrad(x, t, dy, ignoreIndex),
  nonDifferentiable: true,
};

/**
 * Per-row cross-entropy of logits [N, C] against int32 labels [N]: logSumExp(xₙ) − xₙ,ₜ,
 * 0 where the label is `ignoreIndex`, NaN where it is outside [0, C). A composite a backend
 * may fuse (kernel name 'softmaxCrossEntropy'); its gradient is the composite
 * 'softmaxCrossEntropyGrad' (or, when a graph of the gradient is being built, its decomposition).
 */
export const softmaxCrossEntropyDef: OpDef<SoftmaxCrossEntropyAttrs> = {
  name: 'softmaxCrossEntropy',
  infer: ([x, t]) => {
    checkPair('softmaxCrossEntropy', x, t);
    return { shape: [x.shape[0]], dtype: x.dtype };
  },
  decompose: ([x, t], { ignoreIndex }) =>
    tidy(() => {
      const { keep, valid, safe } = masks(t, x.shape[1], ignoreIndex);
      const picked = squeeze(gather(logSoftmax(x, 1), 1, unsqueeze(safe, 1)), 1);
      // Selects rather than multiplies by the mask, so ignored rows pass no gradient (see decomposedGrad).
      return where(valid, where(keep, neg(picked), 0), Number.NaN);
    }),
  grad: (dy, { inputs: [x, t], attrs }) => [
    isGradEnabled() ? decomposedGrad(x, t, dy, attrs.ignoreIndex) : runOp(softmaxCrossEntropyGradDef, [x, t, dy], attrs),
    null,
  ],
};

/**
 * Per-row softmax cross-entropy of logits [N, C] and int32 class labels [N] (rows whose
 * label is `ignoreIndex`, default −100, give 0; labels outside [0, C) give NaN). Reduce the
 * result yourself (`.mean()`); `crossEntropyLoss` of @tessera/layers does, with its options.
 * Ignored and out-of-range rows get a gradient of exactly 0 whatever the incoming gradient
 * (even ±∞ or NaN, as a mean over zero kept rows gives), on every backend.
 *
 * @example
 * softmaxCrossEntropy(tensor([[2, 0, -1], [0.5, 0.5, 3]]), tensor([0, 2], { dtype: 'int32' })).mean();
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, ignoreIndex = -100): Tensor {
  return runOp(softmaxCrossEntropyDef, [logits, labels], { ignoreIndex });
}
