import type { CpuStorage } from '@tessera/backend-cpu';
import { type Tensor, gradients, tidy } from '@tessera/core';
import { expect } from 'vitest';

/**
 * Compares autograd's gradient of the scalar `f()` with respect to each float64 CPU tensor
 * in `wrt` against central differences (perturbing the CPU storage in place), within
 * |analytic − numeric| ≤ atol + rtol·|numeric|. `f` is evaluated with gradients enabled, so it
 * may itself take gradients (second-order checks).
 */
export function expectFiniteDifferences(f: () => Tensor, wrt: readonly Tensor[], { eps = 1e-6, atol = 1e-7, rtol = 1e-5 } = {}): void {
  const grads = tidy(() => gradients(f(), [...wrt]).map((g) => Array.from(g.dataSync())));
  wrt.forEach((t, k) => {
    const data = (t.storage.dataId as CpuStorage).values as Float64Array;
    for (let i = 0; i < data.length; i++) {
      const o = data[i];
      data[i] = o + eps;
      const fp = tidy(() => f().itemSync());
      data[i] = o - eps;
      const fm = tidy(() => f().itemSync());
      data[i] = o;
      const num = (fp - fm) / (2 * eps);
      expect(Math.abs(grads[k][i] - num), `input ${k}, element ${i}: autograd ${grads[k][i]}, numeric ${num}`).toBeLessThanOrEqual(atol + rtol * Math.abs(num));
    }
  });
}
