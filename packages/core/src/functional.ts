import { gradients } from './autograd.js';
import { shareHandle } from './engine.js';
import { ShapeError, fmtShape } from './errors.js';
import { enableGrad } from './grad-mode.js';
import { tidy } from './memory.js';
import { reshape } from './ops/movement.js';
import { track } from './scope.js';
import type { Tensor } from './tensor.js';

/**
 * The functional form of autograd (JAX style): `valueAndGrad(f)(...xs)` returns f's
 * scalar value and its gradient with respect to every argument. Nests: `grad(grad(f))`
 * gives second derivatives.
 *
 * @example
 * const [y, [dx]] = valueAndGrad((x) => x.tanh().sum())(x);
 */
export function valueAndGrad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
): (...args: A) => [Tensor, Tensor[]] {
  return (...args: A) => {
    return tidy(() =>
      enableGrad(() => {
        // Inputs already in a graph (an outer grad) stay connected through a recorded identity.
        const xs = args.map((a) => {
          if (a.requiresGrad) return reshape(a, a.shape);
          const leaf = shareHandle(a, { detach: true });
          track(leaf);
          return leaf.requiresGrad_();
        }) as A;
        const y = f(...xs);
        if (y.size !== 1) {
          throw new ShapeError(
            `grad: the function must return a one-element tensor (got shape ${fmtShape(y.shape)}); reduce it, e.g. with .sum().`,
          );
        }
        const createGraph = args.some((a) => a.requiresGrad);
        const gs = gradients(y, xs, undefined, { createGraph, retainGraph: createGraph });
        const value = createGraph ? y : shareHandle(y, { detach: true });
        if (value !== y) track(value);
        return [value, gs] as [Tensor, Tensor[]];
      }),
    );
  };
}

/** `grad(f)(...xs)`: the gradients of scalar f with respect to each argument. */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args: A) =>
    tidy(() => {
      const [, gs] = vg(...args);
      return gs;
    });
}

/** Single-argument `grad`, returning one tensor: `gradOf(f)(x)`. Composes: `gradOf(gradOf(f))`. */
export function gradOf(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  const g = grad(f);
  return (x: Tensor) => g(x)[0];
}

