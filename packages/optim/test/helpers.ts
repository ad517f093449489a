import { Parameter, tensor, type Tensor } from '@tessera/core';

export const P0 = [0.5, -1.25, 2.0];
/** A fixed gradient sequence (step k, element i), varied signs and magnitudes. */
export const GRADS = [
  [0.3, -0.2, 1.1],
  [-0.7, 0.05, 0.9],
  [0.25, -1.5, -0.4],
  [1.2, 0.6, 0.1],
  [-0.35, 0.8, -2.2],
];

function f64(values: number[]): Tensor {
  return tensor(values, { dtype: 'float64' });
}

export function param(values: number[] = P0, name?: string): Parameter {
  const t = f64(values);
  const p = new Parameter(t, { name });
  t.dispose();
  return p;
}

export function setGrad(p: Parameter, g: number[]): void {
  p.grad?.dispose();
  p.grad = f64(g);
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as Float64Array);
}

export function expectClose(actual: number[], expected: number[], tol = 1e-12): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= tol)) throw new Error(`element ${i}: ${a} vs expected ${expected[i]} (|Δ| ${Math.abs(a - expected[i])})\nactual ${actual}\nexpected ${expected}`);
  });
}
