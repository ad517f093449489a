import type { FloatDType } from '../init.js';
import { DTypeError, ShapeError, type Tensor, arange, fmtShape, logicalAnd, logicalNot, tidy, where } from '@tessera/core';

/**
 * One mask for core's `scaledDotProductAttention` from `nn.MultiheadAttention`'s two:
 * `attnMask` [L, S] or [N·H, L, S] and `keyPaddingMask` [N, S], each bool (true = may NOT
 * attend, PyTorch's convention for these layers) or float (added to the scores). The
 * result broadcasts to the scores [N, H, L, S]: bool true = attend (core's convention)
 * when both are bool, else additive (bool masks become 0 / −∞, as PyTorch merges them).
 */
export function mergeMasks(
  layer: string,
  n: number,
  h: number,
  l: number,
  s: number,
  dtype: FloatDType,
  attnMask?: Tensor,
  keyPaddingMask?: Tensor,
): Tensor | undefined {
  const parts: Tensor[] = [];
  if (attnMask) {
    checkMaskDType(layer, 'attnMask', attnMask, dtype);
    if (attnMask.rank === 2 && attnMask.shape[0] === l && attnMask.shape[1] === s) parts.push(attnMask);
    else if (attnMask.rank === 3 && attnMask.shape[0] === n * h && attnMask.shape[1] === l && attnMask.shape[2] === s)
      parts.push(attnMask.reshape([n, h, l, s]));
    else
      throw new ShapeError(
        `${layer}: attnMask must be [L, S] = [${l}, ${s}] or [N·numHeads, L, S] = [${n * h}, ${l}, ${s}] but is ` +
          `${fmtShape(attnMask.shape)}.`,
      );
  }
  if (keyPaddingMask) {
    checkMaskDType(layer, 'keyPaddingMask', keyPaddingMask, dtype);
    if (keyPaddingMask.rank !== 2 || keyPaddingMask.shape[0] !== n || keyPaddingMask.shape[1] !== s) {
      throw new ShapeError(
        `${layer}: keyPaddingMask must be [N, S] = [${n}, ${s}] (true at padded keys) but is ${fmtShape(keyPaddingMask.shape)}.`,
      );
    }
    parts.push(keyPaddingMask.reshape([n, 1, 1, s]));
  }
  if (parts.length === 0) return undefined;
  return tidy(() => {
    if (parts.every((m) => m.dtype === 'bool')) return parts.map((m) => logicalNot(m)).reduce((a, b) => logicalAnd(a, b));
    return parts.map((m) => (m.dtype === 'bool' ? where(m, -Infinity, 0).cast(dtype) : m)).reduce((a, b) => a.add(b));
  });
}

function checkMaskDType(layer: string, name: string, mask: Tensor, dtype: FloatDType): void {
  if (mask.dtype !== 'bool' && mask.dtype !== dtype) {
    throw new DTypeError(
      `${layer}: ${name} must be bool (true = masked) or ${dtype} like the inputs (added to the scores) but is ${mask.dtype}.`,
    );
  }
}

/**
 * The causal mask of a sequence of `size`: a float [size, size] tensor with −∞ above the
 * diagonal (query i may not see key j > i) and 0 elsewhere, to add to the scores (PyTorch's
 * `nn.Transformer.generate_square_subsequent_mask`). Layers also take `isCausal` /
 * `tgtIsCausal`, which needs no mask tensor.
 *
 * @example
 * decoder.call(tgt, memory, { tgtMask: generateSquareSubsequentMask(tgt.shape[0]) });
 */
export function generateSquareSubsequentMask(size: number, opts: { readonly dtype?: FloatDType } = {}): Tensor {
  if (!Number.isInteger(size) || size < 1)
    throw new ShapeError(`generateSquareSubsequentMask: size must be a positive integer (the sequence length) but got ${size}.`);
  return tidy(() => {
    const idx = arange(size, undefined, 1, { dtype: 'int32' });
    return where(idx.unsqueeze(0).greater(idx.unsqueeze(1)), -Infinity, 0).cast(opts.dtype ?? 'float32');
  });
}
