import { type Parameter, type Tensor, scalar, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { type ParamSource, tensorsOf } from './params.js';

/** Penalty strengths of one parameter (Keras' `l1_l2` regularizer). */
export interface Penalty {
  /** λ₁ of λ₁·Σ|w| (gradient λ₁·sign(w)). */
  readonly l1?: number;
  /** λ₂ of λ₂·Σw² (gradient 2λ₂·w; Keras' convention, not PyTorch's weight decay λ·w). */
  readonly l2?: number;
}

const registered = new WeakMap<Parameter, Penalty>();

function checkLambda(name: string, lambda: number): void {
  if (!(lambda >= 0) || !Number.isFinite(lambda))
    throw new LayerConfigError(`${name}: lambda must be a finite number ≥ 0 but got ${lambda}.`);
}

/** Σ over the tensors of term(t), as one scalar in the first tensor's dtype (float32 zero if none). */
function total(src: ParamSource<Tensor>, term: (t: Tensor) => Tensor | null): Tensor {
  const ts = tensorsOf(src);
  return tidy(() => {
    let acc: Tensor | null = null;
    for (const t of ts) {
      const v = term(t);
      if (!v) continue;
      const same: Tensor = acc && v.dtype !== acc.dtype ? v.cast(acc.dtype) : v;
      acc = acc ? acc.add(same) : same;
    }
    return acc ?? scalar(0, ts.length ? { dtype: ts[0].dtype, backend: ts[0].backend } : undefined);
  });
}

/**
 * λ·Σ|w| over the given tensors (a module's parameters, a list, or one tensor): add it to
 * the loss for an L1 (sparsity-inducing) penalty. The gradient adds λ·sign(w).
 *
 * @example
 * const loss = crossEntropyLoss(net.call(x), y).add(l1Penalty([net.fc1.weight], 1e-4));
 */
export function l1Penalty(src: ParamSource<Tensor>, lambda: number): Tensor {
  checkLambda('l1Penalty', lambda);
  return total(src, (t) => t.abs().sum().mul(lambda));
}

/**
 * λ·Σw² over the given tensors: add it to the loss for an L2 penalty (weight decay with
 * gradient 2λ·w).
 *
 * @example
 * const loss = mseLoss(net.call(x), y).add(l2Penalty(net, 1e-4));
 */
export function l2Penalty(src: ParamSource<Tensor>, lambda: number): Tensor {
  checkLambda('l2Penalty', lambda);
  return total(src, (t) => t.square().sum().mul(lambda));
}

/**
 * Registers L1 and/or L2 penalty strengths on a parameter (Keras' `kernel_regularizer=`);
 * `penaltyLoss` sums them. `{}` (or zeros) removes the registration. Returns the parameter.
 *
 * @example
 * regularize(fc.weight, { l2: 1e-4 });
 * const loss = crossEntropyLoss(net.call(x), y).add(penaltyLoss(net));
 */
export function regularize<P extends Parameter>(param: P, penalty: Penalty): P {
  const l1 = penalty.l1 ?? 0;
  const l2 = penalty.l2 ?? 0;
  checkLambda('regularize: l1', l1);
  checkLambda('regularize: l2', l2);
  if (l1 === 0 && l2 === 0) registered.delete(param);
  else registered.set(param, { l1, l2 });
  return param;
}

/** The penalty registered on a parameter, if any. */
export function penaltyOf(param: Parameter): Penalty | undefined {
  return registered.get(param);
}

/**
 * The sum of the penalties registered with `regularize` on the parameters of a module (or
 * list): Σ λ₁·Σ|w| + λ₂·Σw². A scalar zero where none is registered.
 *
 * @example
 * const loss = criterion.call(net.call(x), y).add(penaltyLoss(net));
 */
export function penaltyLoss(src: ParamSource): Tensor {
  return total(src, (t) => {
    const r = registered.get(t as Parameter);
    if (!r) return null;
    const l1 = r.l1 ? t.abs().sum().mul(r.l1) : null;
    const l2 = r.l2 ? t.square().sum().mul(r.l2) : null;
    return l1 && l2 ? l1.add(l2) : (l1 ?? l2);
  });
}
