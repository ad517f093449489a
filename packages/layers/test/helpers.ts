import { type Tensor, gradients, noGrad, tensor, tidy } from '@tessera/core';
import type { CpuStorage } from '@tessera/backend-cpu';
import { expect } from 'vitest';

/** Deterministic pseudo-random numbers in [-1, 1) for test inputs (no core RNG involved). */
export function values(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out.push((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

/** A float64 tensor of the given shape filled with `values(…, seed)`. */
export function randT(shape: number[], seed = 1, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(values(n, seed).map((v) => v * scale), { shape, dtype: 'float64' });
}

/** Expects two flat arrays to agree within |a−b| ≤ atol + rtol·|b|, naming the first bad index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 1e-6): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]);
    if (!ok) expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/**
 * Finite-difference gradient check in float64: compares the autograd gradient of
 * `sum(f(xs) · r)` (r a fixed random projection) with respect to each tensor in `wrt`
 * against central differences. Tensors in `wrt` must be float64 and require grad
 * (parameters of a layer built with `{ dtype: 'float64' }` qualify).
 */
export function gradCheck(f: () => Tensor, wrt: Tensor[], opts: { eps?: number; atol?: number; rtol?: number } = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  const shape = noGrad(() => tidy(() => [...f().shape]));
  const r = randT(shape, 12345);
  const objective = (): Tensor => f().mul(r).sum();
  const grads = tidy(() => gradients(objective(), wrt).map((g) => Array.from(g.dataSync() as Float64Array)));
  const evalAt = (): number => noGrad(() => tidy(() => objective().itemSync()));
  wrt.forEach((x, k) => {
    const data = (x.storage.dataId as CpuStorage).values as Float64Array; // perturb the CPU storage in place
    const num: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const orig = data[i];
      data[i] = orig + eps;
      const fp = evalAt();
      data[i] = orig - eps;
      const fm = evalAt();
      data[i] = orig;
      num.push((fp - fm) / (2 * eps));
    }
    try {
      expectClose(grads[k], num, atol, rtol);
    } catch (e) {
      throw new Error(`gradient of input ${k} (shape [${x.shape.join(', ')}]): ${(e as Error).message}`);
    }
  });
  r.dispose();
}
