import { runOp } from '../engine.js';
import { isGradEnabled } from '../grad-mode.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast } from './binary.js';
import { checkAttention, type AttentionAttrs } from './attention-check.js';
import { composite, compositeGrads, maskedScores } from './attention-math.js';
import { concat, reshape, slice } from './movement.js';
import { logSumExp } from './reduce.js';

/**
 * The two ops of the fused attention gradient (FlashAttention-2 style): a forward that also
 * returns each query row's logsumexp, and a backward that recomputes the scores blockwise
 * from it. Neither saves nor returns anything [L, S]-sized; both are composites a backend
 * may fuse.
 *
 * Packing (ops have one output): `scaledDotProductAttentionLse` returns [..., L, Ev + 1],
 * columns 0…Ev−1 the attention output and column Ev the logsumexp of the row's scaled,
 * masked scores (−∞ when every key is masked). `scaledDotProductAttentionBackward` returns
 * [...batch, L·E + S·E + S·Ev]: per score matrix of the broadcast batch, dq [L, E], then dk
 * [S, E], then dv [S, Ev], row-major.
 */

const LSE = 'scaledDotProductAttentionLse';
const BWD = 'scaledDotProductAttentionBackward';

/** Sizes of one score matrix's dq, dk and dv in the backward's packed output. */
export function attentionGradSizes(l: number, s: number, e: number, ev: number): { dq: number; dk: number; dv: number } {
  return { dq: l * e, dk: s * e, dv: s * ev };
}

/** q, k, v, and the mask (or undefined) from an attention op's inputs. */
function qkvm(inputs: readonly Tensor[], attrs: AttentionAttrs): [Tensor, Tensor, Tensor, Tensor | undefined] {
  return [inputs[0], inputs[1], inputs[2], attrs.mask === 'none' ? undefined : inputs[3]];
}

/** Splits [..., L, Ev + 1] into the output [..., L, Ev] and the logsumexp [..., L, 1]. */
export function splitLse(packed: Tensor): { out: Tensor; lse: Tensor } {
  const r = packed.rank;
  const ev = packed.shape[r - 1] - 1;
  const begin = new Array<number>(r).fill(0);
  const outSize = [...packed.shape.slice(0, -1), ev];
  return {
    out: slice(packed, begin, outSize),
    lse: slice(packed, [...begin.slice(0, -1), ev], [...packed.shape.slice(0, -1), 1]),
  };
}

/** q, k, v's gradients (summed over their broadcast axes) from the backward's packed output. */
function unpackGrads(g: Tensor, q: TensorInfo, k: TensorInfo, v: TensorInfo, need: readonly boolean[]): (Tensor | null)[] {
  const batch = g.shape.slice(0, -1);
  const [l, e] = q.shape.slice(-2);
  const s = k.shape[k.shape.length - 2];
  const ev = v.shape[v.shape.length - 1];
  const n = attentionGradSizes(l, s, e, ev);
  const zero = batch.map(() => 0);
  const part = (at: number, size: number, shape: number[], want: readonly number[]) =>
    unbroadcast(reshape(slice(g, [...zero, at], [...batch, size]), [...batch, ...shape]), want);
  return [
    need[0] ? part(0, n.dq, [l, e], q.shape) : null,
    need[1] ? part(n.dq, n.dk, [s, e], k.shape) : null,
    need[2] ? part(n.dq + n.dk, n.dv, [s, ev], v.shape) : null,
  ];
}

/**
 * Attention that also returns the row logsumexp (see the packing above): inputs q, k, v and
 * the mask when attrs.mask ≠ 'none', as `scaledDotProductAttention`. Its gradient runs
 * `scaledDotProductAttentionBackward` (a kernel where the backend has one), or, when a
 * graph of the gradient is being built, the composite formulas. An additive mask gets no
 * gradient here: `scaledDotProductAttention` uses the composite op when one is wanted.
 */
export const scaledDotProductAttentionLseDef: OpDef<AttentionAttrs> = {
  name: LSE,
  infer: (inputs, attrs) => {
    const scores = checkAttention(inputs, attrs);
    const v = inputs[2];
    return { shape: [...scores.slice(0, -1), v.shape[v.shape.length - 1] + 1], dtype: inputs[0].dtype };
  },
  decompose: (inputs, attrs) =>
    tidy(() => {
      const [q, k, v, mask] = qkvm(inputs, attrs);
      const lse = logSumExp(maskedScores(q, k, mask, attrs), -1, true);
      return concat([composite(q, k, v, mask, attrs), lse], -1);
    }),
  grad: (dPacked, { inputs, output, attrs, needsGrad }) => {
    const [q, k, v, mask] = qkvm(inputs, attrs);
    const grads: (Tensor | null)[] = isGradEnabled()
      ? (() => {
          const { out: dy, lse: dlse } = splitLse(dPacked);
          const g = compositeGrads(q, k, v, mask, attrs, dy, dlse, needsGrad);
          return [g.dq && unbroadcast(g.dq, q.shape), g.dk && unbroadcast(g.dk, k.shape), g.dv && unbroadcast(g.dv, v.shape)];
        })()
      : unpackGrads(runOp(scaledDotProductAttentionBackwardDef, [...inputs, output, dPacked], attrs), q, k, v, needsGrad);
    if (mask) grads.push(null);
    return grads;
  },
};

/**
 * The gradients of `scaledDotProductAttentionLse` for every score matrix of the broadcast
 * batch, packed (see above): inputs q, k, v, [mask], the forward's packed output [..., L,
 * Ev + 1] and its gradient of the same shape (the last column the logsumexp's gradient).
 * FlashAttention-2's backward: with D = Σ dy ⊙ out − dlse per row, P = exp(s − lse),
 * dv = Pᵀ·dy, dS = P ⊙ (dy·vᵀ − D), dq = dS·k·scale, dk = dSᵀ·q·scale; a fused kernel
 * computes P and dS a block at a time. Not differentiable (the forward's gradient builds a
 * graph from the composite formulas instead).
 */
export const scaledDotProductAttentionBackwardDef: OpDef<AttentionAttrs> = {
  name: BWD,
  infer: (inputs, attrs) => {
    const scores = checkAttention(inputs.slice(0, attrs.mask === 'none' ? 3 : 4), attrs);
    const [q, k, v] = inputs;
    const n = attentionGradSizes(
      q.shape[q.shape.length - 2],
      k.shape[k.shape.length - 2],
      q.shape[q.shape.length - 1],
      v.shape[v.shape.length - 1],
    );
    return { shape: [...scores.slice(0, -2), n.dq + n.dk + n.dv], dtype: q.dtype };
  },
  decompose: (inputs, attrs) =>
    tidy(() => {
      const [q, k, v, mask] = qkvm(inputs, attrs);
      const dPacked = inputs[inputs.length - 1];
      const { out: dy, lse: dlse } = splitLse(dPacked);
      const g = compositeGrads(q, k, v, mask, attrs, dy, dlse, [true, true, true]);
      const batch = dPacked.shape.slice(0, -2);
      // Every product runs over the broadcast batch already (dS and dy have it).
      const flat = (t: Tensor) => reshape(t, [...batch, t.shape[t.rank - 2] * t.shape[t.rank - 1]]);
      return concat([flat(g.dq!), flat(g.dk!), flat(g.dv!)], -1);
    }),
  nonDifferentiable: true,
};
