import { type Parameter, noGrad, tidy } from '@tessera/core';
import type { ConstraintFn } from './constraint.js';
import { type ParamSource, tensorsOf } from './params.js';

const registered = new WeakMap<Parameter, ConstraintFn>();

/**
 * Registers a constraint on a parameter (Keras' `kernel_constraint=`); `applyConstraints`
 * then projects it after each optimizer step. `null` removes it. Returns the parameter.
 *
 * @example
 * constrain(fc.weight, maxNorm(3));
 */
export function constrain<P extends Parameter>(param: P, constraint: ConstraintFn | null): P {
  if (constraint) registered.set(param, constraint);
  else registered.delete(param);
  return param;
}

/** The constraint registered on a parameter, if any. */
export function constraintOf(param: Parameter): ConstraintFn | undefined {
  return registered.get(param);
}

/**
 * Projects every parameter of a module (or list) that has a registered constraint, in
 * place and without recording gradients. Call it right after `optimizer.step()`. Returns
 * how many parameters were projected.
 *
 * @example
 * optimizer.step();
 * applyConstraints(model);
 */
export function applyConstraints(src: ParamSource): number {
  let n = 0;
  for (const p of tensorsOf(src)) {
    const c = registered.get(p);
    if (!c) continue;
    noGrad(() => {
      const v = tidy(() => c(p));
      if (v === p) return; // a constraint that returns its input changed nothing
      p.assign(v);
      v.dispose();
    });
    n++;
  }
  return n;
}
