import { DTypeError, ShapeError, TesseraError, fmtShape } from '../errors.js';
import type { TensorInfo } from '../op.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { assertDType } from './util.js';

/** Shape and dtype checks shared by the attention ops (internal). */

/** How the optional fourth input of `scaledDotProductAttention` is read. */
export type AttentionMaskKind = 'none' | 'bool' | 'additive';

/** Attributes of the `scaledDotProductAttention` op (dropout is not one: see the function). */
export interface AttentionAttrs {
  /** The factor the scores q·kᵀ are multiplied by. */
  readonly scale: number;
  /** Mask the upper triangle (key j > query i), top-left aligned like PyTorch's `is_causal`. */
  readonly causal: boolean;
  /** 'bool': input 3 is true where a query may attend; 'additive': input 3 is added to the scores. */
  readonly mask: AttentionMaskKind;
}

const OP = 'scaledDotProductAttention';

/** The scores' shape [...batch, L, S] after checking q [..., L, E], k [..., S, E], v [..., S, Ev]. */
function scoresShape(q: TensorInfo, k: TensorInfo, v: TensorInfo): number[] {
  assertDType(OP, q.dtype, 'float');
  for (const [name, t] of [['k', k], ['v', v]] as const) {
    if (t.dtype !== q.dtype)
      throw new DTypeError(`${OP}: ${name} is ${t.dtype} but q is ${q.dtype}; cast ${name} with .cast('${q.dtype}').`);
  }
  const shapes = `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`;
  if (q.shape.length < 2 || k.shape.length < 2 || v.shape.length < 2) {
    throw new ShapeError(
      `${OP}: q, k and v need at least 2 axes ([..., L, E], [..., S, E], [..., S, Ev]) but got ${shapes}; unsqueeze(0) a single sequence.`,
    );
  }
  const e = q.shape[q.shape.length - 1];
  const [s, ek] = k.shape.slice(-2);
  if (ek !== e) throw new ShapeError(`${OP}: q and k must share the last axis E but got ${shapes}; project them to one size first.`);
  if (v.shape[v.shape.length - 2] !== s) {
    throw new ShapeError(`${OP}: k and v must have the same sequence length S (axis −2) but got ${shapes}.`);
  }
  const batch = broadcastShapes(OP, q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  return [...batch, q.shape[q.shape.length - 2], s];
}

function checkMask(mask: TensorInfo, kind: AttentionMaskKind, dtype: string, scores: readonly number[]): void {
  if (kind === 'bool' && mask.dtype !== 'bool') throw new DTypeError(`${OP}: a bool mask was declared but the mask is ${mask.dtype}.`);
  if (kind === 'additive' && mask.dtype !== dtype) {
    throw new DTypeError(
      `${OP}: the mask is ${mask.dtype}; pass a bool mask (true = attend) or an additive mask of q's dtype ${dtype} (cast it with ` +
        `.cast('${dtype}')).`,
    );
  }
  let ok = mask.shape.length <= scores.length;
  if (ok) {
    try {
      ok = shapesEqual(broadcastShapes(OP, mask.shape, scores), scores);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new ShapeError(`${OP}: the mask ${fmtShape(mask.shape)} must broadcast to the attention scores [..., L, S] = ` +
      `${fmtShape(scores)}; give it shape [L, S], [N, 1, L, S] or [N, 1, 1, S] for key padding.`);
  }
}


/**
 * Checks q, k, v (and the mask) against `attrs` and returns the scores' shape [...batch, L, S]
 * (errors name `scaledDotProductAttention`, the call users make).
 */
export function checkAttention(inputs: readonly TensorInfo[], attrs: AttentionAttrs): number[] {
  const [q, k, v, mask] = inputs;
  const scores = scoresShape(q, k, v);
  if ((attrs.mask === 'none') !== (mask === undefined)) {
    throw new TesseraError(`${OP}: attrs.mask is '${attrs.mask}' but ${mask ? 'a mask was' : 'no mask was'} passed; call ` +
      `scaledDotProductAttention() rather than runOp.`);
  }
  if (mask) checkMask(mask, attrs.mask, q.dtype, scores);
  return scores;
}
