import { type Tensor, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { type Reduction, checkReduction, clampedLog, expectFloatInput, expectPair, reduceLoss, xlogx } from './reduce.js';

/** Options of `klDivLoss`. */
export interface KLDivOptions {
  /**
   * `'mean'` (default, as in PyTorch: the mean over all elements, which is not the true
   * KL divergence), `'batchmean'` (the sum divided by the batch size: the mathematically
   * correct per-sample KL — use this), `'sum'` or `'none'`.
   */
  readonly reduction?: Reduction | 'batchmean';
  /** The target is given as log-probabilities (default false: probabilities). */
  readonly logTarget?: boolean;
}

/** Options of `klSparsityPenalty`. */
export interface KLSparsityOptions {
  /** The target mean activation ρ in (0, 1). Default 0.05. */
  readonly rho?: number;
}

/**
 * Kullback–Leibler divergence KL(target ‖ q) pointwise (PyTorch's `kl_div`): the input is
 * log q (log-probabilities, e.g. from `logSoftmax`) and the target p is probabilities, or
 * log-probabilities with `logTarget`. Pointwise loss p·(log p − log q), with 0·log 0 = 0.
 *
 * @example
 * klDivLoss(logSoftmax(logits, 1), targetProbs, { reduction: 'batchmean' });
 */
export function klDivLoss(input: Tensor, target: Tensor, opts: KLDivOptions = {}): Tensor {
  const name = 'klDivLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(name, reduction, ['mean', 'batchmean', 'sum', 'none']);
  expectPair(name, input, target);
  return tidy(() => {
    const pointwise = opts.logTarget ? target.exp().mul(target.sub(input)) : xlogx(target).sub(target.mul(input));
    if (reduction !== 'batchmean') return reduceLoss(name, pointwise, reduction);
    const sum = pointwise.sum();
    return input.rank === 0 ? sum : sum.div(input.shape[0]);
  });
}

/**
 * The old name of `klDivLoss`.
 * @deprecated Use `klDivLoss`: every functional loss is its module's name in camelCase
 * (`KLDivLoss` → `klDivLoss`); this alias is removed in the next minor version.
 */
export const klDiv: typeof klDivLoss = klDivLoss;

/**
 * The sparse-autoencoder sparsity penalty (Ng's lecture notes): with ρ̂ⱼ the mean
 * activation of hidden unit j over the batch (axis 0 of `activations`, values in [0, 1],
 * e.g. after a sigmoid),  Σⱼ ρ·log(ρ/ρ̂ⱼ) + (1 − ρ)·log((1 − ρ)/(1 − ρ̂ⱼ)).
 * The logs of ρ̂ and 1 − ρ̂ are clamped at −100 so dead or saturated units give a finite
 * penalty. Returns a scalar: scale it by β and add it to the reconstruction loss.
 *
 * @example
 * const h = encoder.call(x).sigmoid();               // [N, hidden]
 * const loss = mseLoss(decoder.call(h), x).add(klSparsityPenalty(h, { rho: 0.05 }).mul(3));
 */
export function klSparsityPenalty(activations: Tensor, opts: KLSparsityOptions = {}): Tensor {
  const name = 'klSparsityPenalty';
  const rho = opts.rho ?? 0.05;
  if (!(rho > 0 && rho < 1)) throw new LayerConfigError(`${name}: rho must be in (0, 1) but got ${rho}.`);
  expectFloatInput(name, 'activations', activations);
  if (activations.rank === 0) throw new LayerConfigError(`${name}: activations must be [N, units…] but got a scalar.`);
  return tidy(() => {
    const rhoHat = activations.mean(0);
    // ρ log ρ + (1 − ρ) log(1 − ρ) − ρ log ρ̂ − (1 − ρ) log(1 − ρ̂), the first two constants.
    const constant = rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho);
    const cross = clampedLog(rhoHat).mul(rho).add(clampedLog(rhoHat.neg().add(1)).mul(1 - rho));
    return cross.neg().add(constant).sum();
  });
}
