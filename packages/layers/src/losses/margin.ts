import { DataError, type Tensor, exp, relu, softplus, tidy } from '@tessera/core';
import { type ReductionOptions, expectPair, reduceLoss, valuesIfSync } from './reduce.js';

/** A loss of the margin m = y·f of scores f against labels y ∈ {−1, +1} (same shape). */
export type MarginLoss = (scores: Tensor, labels: Tensor, opts?: ReductionOptions) => Tensor;

function checkLabels(name: string, labels: Tensor): void {
  const v = valuesIfSync(labels);
  if (!v) return;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== 1 && v[i] !== -1) {
      throw new DataError(`${name}: labels must be −1 or +1 but position ${i} holds ${v[i]}; map {0, 1} labels with y.mul(2).sub(1).`);
    }
  }
}

/** Builds a margin loss from its function of the margin, φ(m). */
function marginLoss(name: string, phi: (margin: Tensor) => Tensor): MarginLoss {
  return (scores, labels, opts = {}) => {
    expectPair(name, scores, labels);
    checkLabels(name, labels);
    return tidy(() => reduceLoss(name, phi(scores.mul(labels)), opts.reduction));
  };
}

/**
 * Logistic loss log(1 + exp(−y·f)) for labels y ∈ {−1, +1} (logistic regression; equal to
 * binary cross-entropy with logits on {0, 1} labels). Computed as softplus(−y·f): finite
 * for any score.
 *
 * @example
 * logisticLoss(tensor([2, -1]), tensor([1, 1]), { reduction: 'none' }); // [log(1+e⁻²), log(1+e)]
 */
export const logisticLoss: MarginLoss = marginLoss('logisticLoss', (m) => softplus(m.neg()));

/**
 * Hinge loss max(0, 1 − y·f) for labels y ∈ {−1, +1} (the SVM loss).
 *
 * @example
 * hingeLoss(tensor([2, 0.5, -1]), tensor([1, 1, 1]), { reduction: 'none' }); // [0, 0.5, 2]
 */
export const hingeLoss: MarginLoss = marginLoss('hingeLoss', (m) => relu(m.neg().add(1)));

/**
 * Squared hinge loss max(0, 1 − y·f)² for labels y ∈ {−1, +1} (differentiable at the hinge).
 *
 * @example
 * squaredHingeLoss(tensor([0.5, -1]), tensor([1, 1]), { reduction: 'none' }); // [0.25, 4]
 */
export const squaredHingeLoss: MarginLoss = marginLoss('squaredHingeLoss', (m) => relu(m.neg().add(1)).square());

/**
 * Exponential loss exp(−y·f) for labels y ∈ {−1, +1} (AdaBoost's loss). It grows
 * exponentially with a wrong margin: margins below about −88 (float32) or −709 (float64)
 * overflow to Infinity, because the true value is not representable; use the logistic
 * loss when scores can be far off.
 *
 * @example
 * exponentialLoss(tensor([0, 1]), tensor([1, -1]), { reduction: 'none' }); // [1, e]
 */
export const exponentialLoss: MarginLoss = marginLoss('exponentialLoss', (m) => exp(m.neg()));
