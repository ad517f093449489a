import { describe, expect, it } from 'vitest';
import { createWasmEngine } from '../src/wasm/engine.js';
import { expExports } from '../src/wasm/exp-module.js';

const engine = createWasmEngine({ threads: 1 });

/** exp of `xs` (float32) through the wasm f32x4 exp, as float32. */
function wasmExp(xs: Float32Array, shift = 0): Float32Array {
  const e = engine!;
  e.reset();
  const ptr = e.copyIn(xs);
  expExports(e).expRow(ptr, xs.length, shift);
  return e.f32.slice(ptr >>> 2, (ptr >>> 2) + xs.length);
}

/** Distance in float32 units in the last place between a float32 result and the exact (double) value. */
function ulps(got: number, exact: number): number {
  if (got === exact) return 0;
  const f = Math.fround(exact);
  // One ulp of float32 at |exact| (subnormals: 2^-149).
  const e = Math.max(Math.floor(Math.log2(Math.abs(f || Number.MIN_VALUE))), -126);
  return Math.abs(got - exact) / 2 ** (e - 23);
}

describe.skipIf(engine === null)('wasm SIMD exp (exp-module.ts)', () => {
  it('is within 1.5 ulp of the exact exp (measured: 0.99) over the float32 range where it is finite and nonzero', () => {
    const n = 1 << 20;
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = -103.9 + (192.6 * i) / (n - 1); // [−103.9, 88.7]
    const got = wasmExp(xs);
    let worstNormal = 0;
    let worstSub = 0;
    for (let i = 0; i < n; i++) {
      const exact = Math.exp(xs[i]);
      const u = ulps(got[i], exact);
      if (exact >= 2 ** -126) worstNormal = Math.max(worstNormal, u);
      else worstSub = Math.max(worstSub, u);
    }
    expect(worstNormal).toBeLessThanOrEqual(1.5);
    expect(worstSub).toBeLessThanOrEqual(1.5);
  });

  it('is within 2 ulp near 0, where softmax lives, and exact at 0', () => {
    const xs = Float32Array.from({ length: 4099 }, (_, i) => (i - 2049) * 1e-3);
    const got = wasmExp(xs);
    xs.forEach((x, i) => expect(ulps(got[i], Math.exp(x)), `exp(${x})`).toBeLessThanOrEqual(2));
    expect(wasmExp(new Float32Array([0, -0]))).toEqual(new Float32Array([1, 1]));
  });

  it('gives 0 for −∞ and very negative x, +∞ for +∞ and overflow, NaN for NaN (every lane and the tail)', () => {
    const xs = new Float32Array([-Infinity, -1e30, -104, -110, Infinity, 89, 1e30, NaN, 88.7, -87.3, NaN]);
    const got = Array.from(wasmExp(xs));
    expect(got.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(got.slice(4, 7)).toEqual([Infinity, Infinity, Infinity]);
    expect(Number.isNaN(got[7]) && Number.isNaN(got[10])).toBe(true);
    expect(ulps(got[8], Math.exp(Math.fround(88.7)))).toBeLessThanOrEqual(2);
    expect(ulps(got[9], Math.exp(Math.fround(-87.3)))).toBeLessThanOrEqual(2);
  });

  it('subtracts the shift first (the softmax form exp(x − max)), and leaves memory past the row alone', () => {
    const e = engine!;
    e.reset();
    const xs = new Float32Array([3, 2, 1, 0, -1, 7]);
    const ptr = e.copyIn(xs);
    expExports(e).expRow(ptr, 5, 3);
    const got = e.f32.slice(ptr >>> 2, (ptr >>> 2) + 6);
    for (let i = 0; i < 5; i++) expect(ulps(got[i], Math.exp(xs[i] - 3))).toBeLessThanOrEqual(2);
    expect(got[5]).toBe(7);
  });
});
