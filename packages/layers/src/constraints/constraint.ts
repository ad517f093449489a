import { ShapeError, type Tensor, fmtShape, relu, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';

/** Any projection of a weight onto an allowed set: takes the weight, returns the projected copy. */
export type ConstraintFn = (w: Tensor) => Tensor;

/**
 * A weight constraint (Keras' `kernel_constraint`): call it on a tensor to get the projected
 * copy, or register it on a parameter with `constrain` so `applyConstraints` projects the
 * parameter in place after each optimizer step.
 */
export interface Constraint extends ConstraintFn {
  /** Which constraint: `'maxNorm'`, `'nonNeg'`, `'unitNorm'` or `'minMaxNorm'`. */
  readonly kind: string;
  /** Its settings (axis undefined: every axis but the first). */
  readonly config: Readonly<Record<string, number | readonly number[] | undefined>>;
}

/** Axes a norm constraint reduces over: one number, several, or undefined for the default. */
export type ConstraintAxis = number | readonly number[];

/** Keras' backend epsilon: keeps the rescaling finite for all-zero units. */
const EPS = 1e-7;

/**
 * The norm axes for weight `w`: each unit's incoming weights in PyTorch's [out, in, …kernel]
 * layout, i.e. every axis but the first (rank ≥ 2), or the whole vector (rank ≤ 1).
 */
function normAxes(kind: string, w: Tensor, axis: ConstraintAxis | undefined): number[] {
  if (axis === undefined) return w.rank <= 1 ? w.shape.map((_, i) => i) : w.shape.slice(1).map((_, i) => i + 1);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -w.rank || a >= w.rank) {
      throw new ShapeError(`${kind}: axis ${a} is out of range for a weight of shape ${fmtShape(w.shape)}.`);
    }
    return a < 0 ? a + w.rank : a;
  });
}

function make(kind: string, config: Constraint['config'], fn: ConstraintFn): Constraint {
  const c = ((w: Tensor) => tidy(() => fn(w))) as Constraint;
  const settings = Object.entries(config)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  return Object.assign(c, { kind, config, toString: () => `${kind}(${settings.join(', ')})` });
}

/** Rescales each unit's weights by desired(‖w‖)/(ε + ‖w‖) (Keras' formula; null desired: 1). */
function normConstraint(
  kind: string,
  config: Constraint['config'],
  axis: ConstraintAxis | undefined,
  desired: ((norm: Tensor) => Tensor) | null,
): Constraint {
  return make(kind, config, (w) => {
    const n = w.square().sum(normAxes(kind, w, axis), true).sqrt();
    return (desired ? w.mul(desired(n)) : w).div(n.add(EPS));
  });
}

function checkNonNegative(kind: string, key: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new LayerConfigError(`${kind}: ${key} must be a finite number ≥ 0 but got ${v}.`);
}

/**
 * Max-norm (Srivastava et al.'s dropout paper; Keras' `MaxNorm`): rescales each unit's
 * incoming weight vector to norm at most `maxValue`. By default a unit is a row of a
 * Linear weight [out, in] and a filter of a Conv weight [out, in, kH, kW]; `axis` names
 * the reduced axes instead.
 *
 * @example
 * constrain(fc.weight, maxNorm(3));
 * maxNorm(1)(tensor([[3, 4], [0.3, 0.4]])); // [[0.6, 0.8], [0.3, 0.4]]
 */
export function maxNorm(maxValue = 2, axis?: ConstraintAxis): Constraint {
  checkNonNegative('maxNorm', 'maxValue', maxValue);
  return normConstraint('maxNorm', { maxValue, axis }, axis, (n) => n.clip(0, maxValue));
}

/**
 * Unit-norm (Keras' `UnitNorm`): each unit's incoming weight vector is divided by its norm.
 *
 * @example
 * unitNorm()(tensor([[3, 4]])); // [[0.6, 0.8]]
 */
export function unitNorm(axis?: ConstraintAxis): Constraint {
  return normConstraint('unitNorm', { axis }, axis, null);
}

/** Options of `minMaxNorm`. */
export interface MinMaxNormOptions {
  /** Default 0. */
  readonly minValue?: number;
  /** Default 1. */
  readonly maxValue?: number;
  /** How far to move toward the allowed band each time, in [0, 1]; 1 (default) projects fully. */
  readonly rate?: number;
  readonly axis?: ConstraintAxis;
}

/**
 * Min-max-norm (Keras' `MinMaxNorm`): moves each unit's norm into [minValue, maxValue],
 * by `rate` of the way: desired = rate·clip(‖w‖, min, max) + (1 − rate)·‖w‖.
 *
 * @example
 * minMaxNorm({ minValue: 1, maxValue: 2 })(tensor([[0.3, 0.4]])); // [[0.6, 0.8]]
 */
export function minMaxNorm(opts: MinMaxNormOptions = {}): Constraint {
  const { minValue = 0, maxValue = 1, rate = 1, axis } = opts;
  checkNonNegative('minMaxNorm', 'minValue', minValue);
  checkNonNegative('minMaxNorm', 'maxValue', maxValue);
  if (maxValue < minValue) throw new LayerConfigError(`minMaxNorm: maxValue ${maxValue} is below minValue ${minValue}.`);
  if (!(rate >= 0 && rate <= 1)) throw new LayerConfigError(`minMaxNorm: rate must be in [0, 1] but got ${rate}.`);
  return normConstraint('minMaxNorm', { minValue, maxValue, rate, axis }, axis, (n) =>
    n.clip(minValue, maxValue).mul(rate).add(n.mul(1 - rate)),
  );
}

/**
 * Non-negativity (Keras' `NonNeg`): negative weights become 0.
 *
 * @example
 * nonNeg()(tensor([-1, 2])); // [0, 2]
 */
export function nonNeg(): Constraint {
  return make('nonNeg', {}, (w) => relu(w));
}
