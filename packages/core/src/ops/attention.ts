import { runOp } from '../engine.js';
import { DTypeError, ShapeError, TesseraError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, greaterEqual, logicalAnd, mul, sub, unbroadcast, where } from './binary.js';
import { arange } from './creation.js';
import { matmul } from './linalg.js';
import { unsqueeze } from './movement.js';
import { dropout, softmax } from './nn.js';
import { sum } from './reduce.js';
import { assertDType } from './util.js';

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

/** Bool [L, S]: query i may see key j ≤ i (PyTorch's `tril(ones(L, S))`). */
function causalKeep(l: number, s: number, like: Tensor): Tensor {
  return tidy(() =>
    greaterEqual(
      unsqueeze(arange(l, undefined, 1, { backend: like.backend, dtype: 'int32' }), 1),
      arange(s, undefined, 1, { backend: like.backend, dtype: 'int32' }),
    ),
  );
}

/**
 * Scaled, masked scores with masked entries −∞ (for a bool or causal mask) or the additive
 * mask added: what the softmax runs over.
 */
function maskedScores(q: Tensor, k: Tensor, mask: Tensor | undefined, attrs: AttentionAttrs): Tensor {
  return tidy(() => {
    let s = mul(matmul(q, k, { transposeB: true }), attrs.scale);
    if (mask && attrs.mask === 'additive') s = add(s, mask);
    let keep = mask && attrs.mask === 'bool' ? mask : null;
    if (attrs.causal) {
      const c = causalKeep(q.shape[q.rank - 2], k.shape[k.rank - 2], q);
      keep = keep ? logicalAnd(keep, c) : c;
    }
    return keep ? where(keep, s, -Infinity) : s;
  });
}

/** softmax(q·kᵀ·scale + mask) (with dropout on the weights when p > 0) times v. */
function composite(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, attrs: AttentionAttrs, p = 0): Tensor {
  return tidy(() => {
    const weights = softmax(maskedScores(q, k, mask, attrs), -1);
    return matmul(p > 0 ? dropout(weights, p) : weights, v);
  });
}

/**
 * q·kᵀ·scale (+ mask) → softmax → ·v over any broadcast batch/head axes: q [..., L, E],
 * k [..., S, E], v [..., S, Ev], output [..., L, Ev]. A composite a backend may fuse
 * (kernel name 'scaledDotProductAttention', inputs q, k, v and the mask when
 * attrs.mask ≠ 'none'). Its gradient recomputes the weights P and is written with ops:
 * dv = Pᵀ·dy, dS = P ⊙ (dy·vᵀ − Σ dy·vᵀ ⊙ P), dq = dS·k·scale, dk = dSᵀ·q·scale, and for an
 * additive mask dmask = dS (summed over broadcast axes).
 */
export const scaledDotProductAttentionDef: OpDef<AttentionAttrs> = {
  name: OP,
  infer: ([q, k, v, mask], attrs) => {
    const scores = scoresShape(q, k, v);
    if ((attrs.mask === 'none') !== (mask === undefined)) {
      throw new TesseraError(`${OP}: attrs.mask is '${attrs.mask}' but ${mask ? 'a mask was' : 'no mask was'} passed; call ` +
        `scaledDotProductAttention() rather than runOp.`);
    }
    if (mask) checkMask(mask, attrs.mask, q.dtype, scores);
    return { shape: [...scores.slice(0, -1), v.shape[v.shape.length - 1]], dtype: q.dtype };
  },
  decompose: ([q, k, v, mask], attrs) => composite(q, k, v, mask, attrs),
  grad: (dy, { inputs: [q, k, v, mask], attrs, needsGrad }) => {
    const p = softmax(maskedScores(q, k, mask, attrs), -1);
    const dv = needsGrad[2] ? unbroadcast(matmul(p, dy, { transposeA: true }), v.shape) : null;
    const dp = matmul(dy, v, { transposeB: true });
    const ds = mul(p, sub(dp, sum(mul(dp, p), -1, true)));
    const dq = needsGrad[0] ? unbroadcast(mul(matmul(ds, k), attrs.scale), q.shape) : null;
    const dk = needsGrad[1] ? unbroadcast(mul(matmul(ds, q, { transposeA: true }), attrs.scale), k.shape) : null;
    const grads = [dq, dk, dv];
    if (mask) grads.push(attrs.mask === 'additive' && needsGrad[3] ? unbroadcast(ds, mask.shape) : null);
    return grads;
  },
};

/** Options of `scaledDotProductAttention` (PyTorch's `attn_mask`, `dropout_p`, `is_causal`, `scale`). */
export interface AttentionOptions {
  /**
   * Bool (true = the query may attend to the key, PyTorch's bool `attn_mask`) or additive
   * float (added to the scores; −∞ blocks) mask broadcastable to [..., L, S].
   */
  readonly mask?: Tensor;
  /** Mask keys after the query (j > i), top-left aligned; combines with `mask` (default false). */
  readonly causal?: boolean;
  /**
   * Dropout probability on the attention weights (default 0). Applied whenever > 0, as in
   * PyTorch: pass 0 in evaluation (the layers do). Drawn from core's seeded generator.
   */
  readonly dropout?: number;
  /** The factor on q·kᵀ (default 1/√E). */
  readonly scale?: number;
}

/**
 * Scaled dot-product attention, softmax(q·kᵀ·scale + mask)·v, PyTorch's
 * `F.scaled_dot_product_attention`: q [..., L, E], k [..., S, E], v [..., S, Ev] with
 * broadcast batch/head axes; output [..., L, Ev]. A query row whose keys are all masked
 * by a bool or causal mask gives NaN, as in PyTorch (softmax over −∞ only).
 *
 * Without dropout this is the composite op 'scaledDotProductAttention', which a backend may
 * fuse; with dropout > 0 it runs the decomposition (the dropout mask comes from core's
 * seeded generator, so eager and compiled steps draw the same numbers).
 *
 * @example
 * const y = scaledDotProductAttention(q, k, v, { causal: true });   // [N, H, L, E] → [N, H, L, E]
 * const pad = keyLengths.unsqueeze(1).greater(arange(S)).reshape([N, 1, 1, S]);
 * scaledDotProductAttention(q, k, v, { mask: pad, dropout: 0.1 });
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const p = opts.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new TesseraError(`${OP}: dropout must be in [0, 1) but is ${p}.`);
  const { inputs, attrs } = checked(q, k, v, opts);
  if (p === 0) return runOp(scaledDotProductAttentionDef, inputs, attrs);
  return composite(q, k, v, opts.mask, attrs, p);
}

/** The op's inputs and attributes from the options, after the op's shape and dtype checks. */
function checked(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): { inputs: Tensor[]; attrs: AttentionAttrs } {
  const scale = opts.scale ?? 1 / Math.sqrt(q.shape[q.rank - 1] ?? 1);
  if (!Number.isFinite(scale)) throw new TesseraError(`${OP}: scale must be a finite number but is ${scale}.`);
  const { mask } = opts;
  const attrs: AttentionAttrs = {
    scale,
    causal: opts.causal ?? false,
    mask: mask === undefined ? 'none' : mask.dtype === 'bool' ? 'bool' : 'additive',
  };
  const inputs = mask === undefined ? [q, k, v] : [q, k, v, mask];
  scaledDotProductAttentionDef.infer(inputs, attrs);
  return { inputs, attrs };
}

/**
 * The attention weights softmax(q·kᵀ·scale + mask) [..., L, S] that
 * `scaledDotProductAttention` multiplies v by (before dropout), for layers that report them
 * (`MultiheadAttention`'s `needWeights`) and for attention maps. Same options and checks;
 * `v` is only checked, not used.
 *
 * @example
 * const w = attentionWeights(q, k, v, { causal: true }); // [N, H, L, L], rows sum to 1
 */
export function attentionWeights(q: Tensor, k: Tensor, v: Tensor, opts: Omit<AttentionOptions, 'dropout'> = {}): Tensor {
  const { attrs } = checked(q, k, v, opts);
  return softmax(maskedScores(q, k, opts.mask, attrs), -1);
}
