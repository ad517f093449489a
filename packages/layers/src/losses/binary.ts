import { DataError, type Tensor, softplus, tidy } from '@tessera/core';
import { type ReductionOptions, clampedLog, expectBroadcastsTo, expectPair, reduceLoss, valuesIfSync } from './reduce.js';

/** Options of `bceLoss`. */
export interface BCEOptions extends ReductionOptions {
  /** Rescales each element's loss; must broadcast to the input's shape. */
  readonly weight?: Tensor;
}

/** Options of `bceWithLogitsLoss`. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /**
   * Weight of the positive term per class (broadcast along the last axes, e.g. [C] for
   * input [N, C]): > 1 raises recall, < 1 precision. PyTorch's `pos_weight`.
   */
  readonly posWeight?: Tensor;
}

function weighted(name: string, loss: Tensor, o: BCEOptions): Tensor {
  return reduceLoss(name, o.weight ? loss.mul(o.weight) : loss, o.reduction);
}

function checkProbabilities(input: Tensor): void {
  const v = valuesIfSync(input);
  if (!v) return;
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) {
      throw new DataError(
        `bceLoss: input holds ${v[i]} at position ${i} but must be probabilities in [0, 1]; ` +
          `apply sigmoid first, or use bceWithLogitsLoss on the raw scores (more stable).`,
      );
    }
  }
}

/**
 * Binary cross-entropy of probabilities (PyTorch's `binary_cross_entropy`):
 * −w·(y·log x + (1 − y)·log(1 − x)), each log clamped at −100 as PyTorch does, so
 * x = 0 or 1 gives finite values. Prefer `bceWithLogitsLoss` on raw scores.
 *
 * @example
 * bceLoss(tensor([0.9, 0.2]), tensor([1, 0])); // −(log 0.9 + log 0.8)/2
 */
export function bceLoss(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  const name = 'bceLoss';
  expectPair(name, input, target);
  if (opts.weight) expectBroadcastsTo(name, 'weight', opts.weight, input);
  checkProbabilities(input);
  return tidy(() => {
    const loss = target.mul(clampedLog(input)).add(target.neg().add(1).mul(clampedLog(input.neg().add(1)))).neg();
    return weighted(name, loss, opts);
  });
}

/**
 * The old name of `bceLoss`.
 * @deprecated Use `bceLoss`: every functional loss is its module's name in camelCase
 * (`BCELoss` → `bceLoss`); this alias is removed in the next minor version.
 */
export const binaryCrossEntropy: typeof bceLoss = bceLoss;

/**
 * Binary cross-entropy of logits (PyTorch's `binary_cross_entropy_with_logits`), stable for
 * any logit: (1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x), times `weight`.
 *
 * @example
 * bceWithLogitsLoss(tensor([3, -1e4]), tensor([1, 0])); // finite
 * bceWithLogitsLoss(scores, labels, { posWeight: tensor([2, 1, 1]) }); // scores [N, 3]
 */
export function bceWithLogitsLoss(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const name = 'bceWithLogitsLoss';
  expectPair(name, input, target);
  if (opts.weight) expectBroadcastsTo(name, 'weight', opts.weight, input);
  if (opts.posWeight) expectBroadcastsTo(name, 'posWeight', opts.posWeight, input);
  return tidy(() => {
    const negPart = target.neg().add(1).mul(input);
    const logWeight = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
    const sp = softplus(input.neg());
    return weighted(name, negPart.add(logWeight ? logWeight.mul(sp) : sp), opts);
  });
}

/**
 * The old name of `bceWithLogitsLoss`.
 * @deprecated Use `bceWithLogitsLoss`: every functional loss is its module's name in camelCase
 * (`BCEWithLogitsLoss` → `bceWithLogitsLoss`); this alias is removed in the next minor version.
 */
export const binaryCrossEntropyWithLogits: typeof bceWithLogitsLoss = bceWithLogitsLoss;
