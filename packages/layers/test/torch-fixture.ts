import { readFileSync } from 'node:fs';
import { type Parameter, type Tensor, gradients, tensor, tidy } from '@tessera/core';
import { expect } from 'vitest';
import type { StateDict } from '../src/index.js';

/** A tensor as the fixture scripts write it (infinities as strings). */
export interface Arr { shape: number[]; data: (number | string | boolean)[]; dtype?: 'bool' | 'int32' }
/** A case's output, the fixed output gradient and the expected gradients by name. */
export interface GradCase { out: Arr; gradOut: Arr; grads: Record<string, Arr> }
export type Float = 'float32' | 'float64';

/** Reads a JSON fixture next to the tests. */
export function readFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as T;
}

export const toTensor = (a: Arr, dtype: Float): Tensor =>
  tensor(a.data.map(Number), { shape: a.shape, dtype: a.dtype ?? dtype });

export const toState = (s: Record<string, Arr>, dtype: Float): StateDict => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, toTensor(v, dtype)]));

/**
 * Relative tolerance per dtype: the fixtures hold float64 results to 12 digits; float32
 * must match within 1e-5 relative (absolute below magnitude 1).
 */
export const TOL: Record<Float, number> = { float64: 1e-10, float32: 1e-5 };

/** Fails unless |actual − expected| ≤ tol·max(1, |expected|) everywhere; returns the worst relative error. */
export function expectMatches(actual: Tensor, expected: Arr, tol: number, what = ''): number {
  expect(actual.shape, what).toEqual(expected.shape);
  return expectValuesMatch(actual.dataSync(), expected, tol, what);
}

/** `expectMatches` on values already read (a WebGPU tensor's `await data()`). */
export function expectValuesMatch(a: ArrayLike<number>, expected: Arr, tol: number, what = ''): number {
  expect(a.length, what).toBe(expected.data.length);
  let worst = 0;
  expected.data.forEach((e, i) => {
    const want = Number(e);
    const err = want === a[i] ? 0 : Math.abs(a[i] - want) / Math.max(1, Math.abs(want));
    if (!(err <= tol)) expect.fail(`${what} index ${i}: got ${a[i]}, PyTorch ${want} (relative error ${err} > ${tol})`);
    worst = Math.max(worst, err);
  });
  return worst;
}

/**
 * Runs `f`, compares its output with the case's, then the gradients of
 * sum(out · gradOut) for each named input and parameter with PyTorch's. Returns the worst
 * relative error.
 */
export function expectForwardAndGrads(c: GradCase, dtype: Float, f: () => Tensor, wrt: readonly (readonly [string, Tensor | Parameter])[]): number {
  return expectOutputsAndGrads([c.out], [c.gradOut], c.grads, dtype, () => [f()], wrt);
}

/** `expectForwardAndGrads` for several outputs: the gradients are of Σᵢ sum(outᵢ · gradOutᵢ). */
export function expectOutputsAndGrads(
  expected: readonly Arr[],
  gradOuts: readonly Arr[],
  grads: Record<string, Arr>,
  dtype: Float,
  f: () => Tensor[],
  wrt: readonly (readonly [string, Tensor | Parameter])[],
): number {
  return tidy(() => {
    const outs = f();
    let worst = Math.max(...outs.map((o, i) => expectMatches(o, expected[i], TOL[dtype], `output ${i}:`)));
    const loss = outs.map((o, i) => o.mul(toTensor(gradOuts[i], dtype)).sum()).reduce((a, b) => a.add(b));
    const gs = gradients(loss, wrt.map(([, t]) => t));
    expect(wrt.map(([n]) => n).sort()).toEqual(Object.keys(grads).sort());
    wrt.forEach(([name], i) => {
      worst = Math.max(worst, expectMatches(gs[i], grads[name], TOL[dtype], `gradient of ${name}:`));
    });
    return worst;
  });
}
