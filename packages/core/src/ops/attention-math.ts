import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, greaterEqual, logicalAnd, mul, sub, where } from './binary.js';
import { arange } from './creation.js';
import { matmul } from './linalg.js';
import { unsqueeze } from './movement.js';
import { dropout, softmax } from './nn.js';
import { sum } from './reduce.js';

/**
 * The unfused attention formulas written with ops, shared by the composite op, its
 * gradient and the fused ops' decompositions (internal: not exported from the package).
 */

/** Attributes shared by the attention ops (see `AttentionAttrs` in attention.ts). */
export interface AttentionMathAttrs {
  readonly scale: number;
  readonly causal: boolean;
  readonly mask: 'none' | 'bool' | 'additive';
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
export function maskedScores(q: Tensor, k: Tensor, mask: Tensor | undefined, attrs: AttentionMathAttrs): Tensor {
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
export function composite(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined, attrs: AttentionMathAttrs, p = 0): Tensor {
  return tidy(() => {
    const weights = softmax(maskedScores(q, k, mask, attrs), -1);
    return matmul(p > 0 ? dropout(weights, p) : weights, v);
  });
}

/** Gradients over the broadcast batch (not yet summed to the inputs' shapes); null where not asked. */
export interface AttentionGrads {
  readonly dq: Tensor | null;
  readonly dk: Tensor | null;
  readonly dv: Tensor | null;
  /** dS = ∂loss/∂scores [..., L, S] (the additive mask's gradient before unbroadcasting). */
  readonly ds: Tensor;
}

/**
 * The composite gradient: P recomputed, dv = Pᵀ·dy, dS = P ⊙ (dy·vᵀ − Σ dy·vᵀ ⊙ P + dlse),
 * dq = dS·k·scale, dk = dSᵀ·q·scale. `dlse` [..., L, 1] is the gradient reaching the row
 * logsumexp (its derivative by the scores is P), or null.
 */
export function compositeGrads(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | undefined,
  attrs: AttentionMathAttrs,
  dy: Tensor,
  dlse: Tensor | null,
  need: readonly boolean[],
): AttentionGrads {
  const p = softmax(maskedScores(q, k, mask, attrs), -1);
  const dv = need[2] ? matmul(p, dy, { transposeA: true }) : null;
  const dp = matmul(dy, v, { transposeB: true });
  const rowDot = sum(mul(dp, p), -1, true);
  const ds = mul(p, sub(dp, dlse ? sub(rowDot, dlse) : rowDot));
  const dq = need[0] ? mul(matmul(ds, k), attrs.scale) : null;
  const dk = need[1] ? mul(matmul(ds, q, { transposeA: true }), attrs.scale) : null;
  return { dq, dk, dv, ds };
}
