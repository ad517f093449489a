import { runOp } from '../engine.js';
import { TesseraError } from '../errors.js';
import { isGradEnabled } from '../grad-mode.js';
import type { OpDef } from '../op.js';
import { findKernel } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast } from './binary.js';
import { checkAttention, type AttentionAttrs } from './attention-check.js';
import { scaledDotProductAttentionLseDef, splitLse } from './attention-fused.js';
import { composite, compositeGrads, maskedScores } from './attention-math.js';
import { softmax } from './nn.js';

export type { AttentionAttrs, AttentionMaskKind } from './attention-check.js';

const OP = 'scaledDotProductAttention';

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
  infer: (inputs, attrs) => {
    const scores = checkAttention(inputs, attrs);
    const v = inputs[2];
    return { shape: [...scores.slice(0, -1), v.shape[v.shape.length - 1]], dtype: inputs[0].dtype };
  },
  decompose: ([q, k, v, mask], attrs) => composite(q, k, v, mask, attrs),
  grad: (dy, { inputs: [q, k, v, mask], attrs, needsGrad }) => {
    const g = compositeGrads(q, k, v, mask, attrs, dy, null, needsGrad);
    const grads = [g.dq && unbroadcast(g.dq, q.shape), g.dk && unbroadcast(g.dk, k.shape), g.dv && unbroadcast(g.dv, v.shape)];
    if (mask) grads.push(attrs.mask === 'additive' && needsGrad[3] ? unbroadcast(g.ds, mask.shape) : null);
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
 * fuse; when an input needs a gradient and the backend fuses it, the call runs
 * `scaledDotProductAttentionLse` (output + row logsumexp) so that the gradient is the fused
 * FlashAttention-2 backward `scaledDotProductAttentionBackward` (nothing [L, S] saved). With
 * dropout > 0 it runs the decomposition (the dropout mask comes from core's seeded
 * generator, so eager and compiled steps draw the same numbers), whose gradient builds the
 * weights; so does an additive mask that needs a gradient.
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
  if (p > 0) return composite(q, k, v, opts.mask, attrs, p);
  if (fusedGradient(inputs, attrs)) return splitLse(runOp(scaledDotProductAttentionLseDef, inputs, attrs)).out;
  return runOp(scaledDotProductAttentionDef, inputs, attrs);
}

/**
 * Whether a call that autograd records should run `scaledDotProductAttentionLse` (whose
 * gradient is the fused backward) rather than the plain op: the backend fuses it, and no
 * additive mask wants a gradient (that gradient is [L, S]-sized: the composite gives it).
 */
function fusedGradient(inputs: readonly Tensor[], attrs: AttentionAttrs): boolean {
  if (!isGradEnabled() || !inputs.slice(0, 3).some((t) => t.requiresGrad)) return false;
  if (attrs.mask === 'additive' && inputs[3].requiresGrad) return false;
  return findKernel(scaledDotProductAttentionLseDef.name, inputs[0].storage.backend) !== undefined;
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
