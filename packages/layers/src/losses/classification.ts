import {
  DTypeError,
  IndexError,
  ShapeError,
  type Tensor,
  cast,
  fmtShape,
  gather,
  logSoftmax,
  shapesEqual,
  softmaxCrossEntropy,
  tidy,
  where,
} from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { type ReductionOptions, expectFloatInput, expectSameFloat, reduceLoss, valuesIfSync } from './reduce.js';

/** Options of `nllLoss` (PyTorch's `nll_loss`). */
export interface NLLOptions extends ReductionOptions {
  /** Per-class weights, shape [C], the input's dtype. `'mean'` then divides by Σ weight[targetₙ]. */
  readonly weight?: Tensor;
  /** Targets equal to this class index contribute nothing (nor to the mean's count). Default −100. */
  readonly ignoreIndex?: number;
}

/** Options of `crossEntropyLoss` (PyTorch's `cross_entropy`). */
export interface CrossEntropyOptions extends NLLOptions {
  /**
   * ε in [0, 1]: the target becomes (1 − ε)·target + ε/C (uniform over classes). Default 0.
   */
  readonly labelSmoothing?: number;
}

/** An input as [N, C, d1, …] with its target, remembering whether it came unbatched ([C]). */
interface Batched {
  readonly input: Tensor;
  readonly target: Tensor;
  readonly unbatched: boolean;
}

/** The index target's expected shape for an input [N, C, d1, …] (or [C]): [N, d1, …] (or []). */
function indexShape(input: readonly number[]): number[] {
  return input.length === 1 ? [] : [input[0], ...input.slice(2)];
}

function batch(name: string, input: Tensor, target: Tensor, probabilities: boolean): Batched {
  if (input.rank === 0) throw new ShapeError(`${name}: input must be [C], [N, C] or [N, C, d1, …] but is a scalar.`);
  const want = probabilities ? input.shape : indexShape(input.shape);
  if (!shapesEqual(target.shape, want)) {
    const kind = probabilities ? 'a class-probability target' : 'a class-index target';
    const hint =
      probabilities && shapesEqual(target.shape, indexShape(input.shape))
        ? " Class indices must be int32: cast them with .cast('int32')."
        : '';
    throw new ShapeError(
      `${name}: for input ${fmtShape(input.shape)} ${kind} must have shape ${fmtShape(want)} but got ${fmtShape(target.shape)}.${hint}`,
    );
  }
  if (input.rank > 1) return { input, target, unbatched: false };
  return { input: input.unsqueeze(0), target: target.unsqueeze(0), unbatched: true };
}

/**
 * Class indices must lie in [0, C) or equal ignoreIndex. Checked (IndexError) where values
 * can be read synchronously; returns false where they cannot (the caller then marks such
 * positions NaN on the device instead of reading out of bounds).
 */
function checkIndexRange(name: string, target: Tensor, classes: number, ignoreIndex: number): boolean {
  const values = valuesIfSync(target);
  if (!values) return false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new IndexError(
        `${name}: target holds class index ${v} at position ${i} but the input has ${classes} classes ` +
          `(valid: 0…${classes - 1}, or ignoreIndex ${ignoreIndex}).`,
      );
    }
  }
  return true;
}

function checkWeight(name: string, weight: Tensor | undefined, input: Tensor): void {
  if (!weight) return;
  expectSameFloat(name, 'weight', input, weight);
  const c = input.rank === 1 ? input.shape[0] : input.shape[1];
  if (!shapesEqual(weight.shape, [c])) {
    throw new ShapeError(`${name}: weight must have shape [${c}] (one per class) but got ${fmtShape(weight.shape)}.`);
  }
}

/** A [C] weight reshaped to broadcast along axis 1 of an [N, C, d1, …] tensor. */
function alongClasses(weight: Tensor, rank: number): Tensor {
  return weight.reshape([1, weight.size, ...new Array<number>(rank - 2).fill(1)]);
}

/**
 * Per-position losses of log-probabilities [N, C, …] against int32 indices [N, …], and
 * the weight sum `'mean'` divides by: (1 − ε)·wₜ·(−log pₜ) + (ε/C)·Σ_c w_c·(−log p_c),
 * zero (and weightless) where the target is ignoreIndex.
 */
function indexLoss(name: string, logp: Tensor, target: Tensor, o: CrossEntropyOptions): [Tensor, Tensor] {
  const ignore = o.ignoreIndex ?? -100;
  const eps = o.labelSmoothing ?? 0;
  const classes = logp.shape[1];
  const checked = checkIndexRange(name, target, classes, ignore);
  const keep = target.notEqual(ignore);
  const inRange = checked ? null : target.greaterEqual(0).logicalAnd(target.less(classes));
  const safe = where(inRange ? keep.logicalAnd(inRange) : keep, target, 0);
  let wt = cast(keep, logp.dtype);
  if (o.weight) wt = wt.mul(o.weight.gather(0, safe.reshape([safe.size])).reshape(safe.shape));
  let loss = gather(logp, 1, safe.unsqueeze(1)).squeeze(1).mul(wt).neg();
  if (eps > 0) {
    const weighted = o.weight ? logp.mul(alongClasses(o.weight, logp.rank)) : logp;
    const smooth = weighted.sum(1).mul(cast(keep, logp.dtype)).neg();
    loss = loss.mul(1 - eps).add(smooth.mul(eps / classes));
  }
  if (inRange) loss = where(inRange.logicalOr(keep.logicalNot()), loss, Number.NaN);
  return [loss, wt.sum()];
}

/**
 * The common case of `crossEntropyLoss` (logits [N, C], int32 labels, no class weights, no
 * label smoothing) as core's `softmaxCrossEntropy` composite, which a backend may fuse
 * (WebGPU: one dispatch forward, one backward). Same values as `indexLoss` of logSoftmax.
 */
function fusedIndexLoss(name: string, logits: Tensor, target: Tensor, o: CrossEntropyOptions): [Tensor, Tensor] | null {
  if (logits.rank !== 2 || o.weight || (o.labelSmoothing ?? 0) > 0) return null;
  const ignore = o.ignoreIndex ?? -100;
  checkIndexRange(name, target, logits.shape[1], ignore);
  return [softmaxCrossEntropy(logits, target, ignore), cast(target.notEqual(ignore), logits.dtype).sum()];
}

/** Per-position losses of log-probabilities against class probabilities (same shape). */
function probabilityLoss(logp: Tensor, target: Tensor, o: CrossEntropyOptions): Tensor {
  const eps = o.labelSmoothing ?? 0;
  const classes = logp.shape[1];
  const t = eps > 0 ? target.mul(1 - eps).add(eps / classes) : target;
  const weighted = o.weight ? logp.mul(alongClasses(o.weight, logp.rank)) : logp;
  return weighted.mul(t).sum(1).neg();
}

function checkOptions(name: string, o: CrossEntropyOptions): void {
  const eps = o.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new LayerConfigError(`${name}: labelSmoothing must be in [0, 1] but got ${eps}.`);
  if (o.ignoreIndex !== undefined && !Number.isInteger(o.ignoreIndex)) {
    throw new LayerConfigError(`${name}: ignoreIndex must be an integer but got ${o.ignoreIndex}.`);
  }
}

/** Shared body: log-probabilities → per-position loss → reduction. */
function classLoss(name: string, logpOf: (x: Tensor) => Tensor, input: Tensor, target: Tensor, o: CrossEntropyOptions): Tensor {
  checkOptions(name, o);
  checkWeight(name, o.weight, input);
  const probabilities = target.dtype === 'float32' || target.dtype === 'float64';
  if (probabilities) {
    expectSameFloat(name, 'a class-probability target', input, target);
  } else {
    expectFloatInput(name, 'input', input);
    if (target.dtype !== 'int32') {
      throw new DTypeError(`${name}: class-index targets must be int32 but got ${target.dtype}; cast them with .cast('int32').`);
    }
  }
  return tidy(() => {
    const b = batch(name, input, target, probabilities);
    const fused = name === 'crossEntropyLoss' && !probabilities ? fusedIndexLoss(name, b.input, b.target, o) : null;
    const [loss, denominator] =
      fused ?? (probabilities ? [probabilityLoss(logpOf(b.input), b.target, o), undefined] : indexLoss(name, logpOf(b.input), b.target, o));
    const out = reduceLoss(name, loss, o.reduction, denominator);
    return b.unbatched && o.reduction === 'none' ? out.squeeze(0) : out;
  });
}

/**
 * Cross-entropy of logits (PyTorch's `cross_entropy`: logSoftmax then NLL, computed
 * stably through logSumExp, so logits of ±1e4 give finite values and gradients).
 *
 * `input` is [C], [N, C] or [N, C, d1, …] (classes on axis 1). `target` is either int32
 * class indices of shape [N, d1, …] (with `weight`, `ignoreIndex` and `labelSmoothing`;
 * `'mean'` is then the weighted mean Σ lossₙ / Σ weight[targetₙ]) or class probabilities
 * of the input's shape (`'mean'` divides by N·d1·…; `ignoreIndex` does not apply).
 *
 * A batch whose every target is ignored (or whose targets' class weights sum to 0) has
 * nothing to average: `'mean'` is then NaN, as in PyTorch, but its gradient is exactly 0,
 * so a fully padded batch leaves the weights as they are (PyTorch also gives 0 for ignored
 * targets, but NaN for zero weights; here both give 0). `'sum'` is 0 with a zero gradient.
 *
 * @example
 * const logits = tensor([[2, 0, -1], [0.5, 0.5, 3]]);
 * crossEntropyLoss(logits, tensor([0, 2], { dtype: 'int32' }));
 * crossEntropyLoss(logits, tensor([0, 2], { dtype: 'int32' }), { labelSmoothing: 0.1 });
 * crossEntropyLoss(logits, tensor([[0.9, 0.1, 0], [0, 0, 1]])); // soft targets
 */
export function crossEntropyLoss(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return classLoss('crossEntropyLoss', (x) => logSoftmax(x, 1), input, target, opts);
}

/**
 * The old name of `crossEntropyLoss`.
 * @deprecated Use `crossEntropyLoss`: every functional loss is its module's name in camelCase
 * (`CrossEntropyLoss` → `crossEntropyLoss`); this alias is removed in the next minor version.
 */
export const crossEntropy: typeof crossEntropyLoss = crossEntropyLoss;

/**
 * Negative log-likelihood of log-probabilities (PyTorch's `nll_loss`): −weight[t]·input[n, t],
 * for input [C], [N, C] or [N, C, d1, …] and int32 targets [N, d1, …]. Pair it with
 * `logSoftmax(x, 1)`; `crossEntropyLoss` does both in one call. With every target ignored,
 * `'mean'` is NaN with a zero gradient, as for `crossEntropyLoss`.
 *
 * @example
 * nllLoss(logSoftmax(logits, 1), tensor([0, 2], { dtype: 'int32' }), { ignoreIndex: 2 });
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`nllLoss: target must be int32 class indices but got ${target.dtype}; cast it with .cast('int32').`);
  }
  return classLoss('nllLoss', (x) => x, input, target, opts);
}
