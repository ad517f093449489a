import { describe, expect, it } from 'vitest';
import { sizeOf, type Kernel, type Pool2dAttrs, type TensorData, type TypedArray } from '@tessera/core';
import { cpu } from '../src/index.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { tensor } from './helpers.js';

// The wasm max pooling kernels (SIMD fast path for whole windows in NaN-free planes, scalar
// search elsewhere) against the TypeScript reference on random geometries, bit for bit.
const ts = cpu({ wasm: false }).createSync!();
const wasm = cpu({ wasm: true, name: 'cpu-wasm' }).createSync!();

function call(backend: typeof ts, name: string, inputs: readonly TensorData[], attrs: Pool2dAttrs, shape: readonly number[]): TypedArray {
  const size = sizeOf(shape);
  const kernel = backend.kernels[name] as Kernel<unknown>;
  return backend.readSync!(kernel({ backend, inputs, attrs, out: { shape, dtype: 'float32', size } }), 'float32', size);
}

/** Index of the first element where Object.is fails (NaN = NaN, −0 ≠ +0), or −1. */
function firstMismatch(a: TypedArray, b: TypedArray): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** A small deterministic generator (xorshift32) in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** How a case's x values are drawn. */
const VALUES: Record<string, (r: () => number, plane: number) => number> = {
  // Many ties, both zeros: the first maximum decides −0 versus +0 and where dy goes.
  ties: (r) => pick(r, [-1, -0, 0, 2]),
  // NaN in some planes only (others take the fast path), −∞ everywhere, all −∞ windows.
  'NaN and −∞': (r, plane) => (plane % 3 === 1 && r() < 0.08 ? NaN : pick(r, [-Infinity, -Infinity, -Infinity, 1, -0, 0, -3])),
  // ∞ − ∞ and overflow make the quick NaN scan's sum NaN: the exact rescan must clear such planes.
  '±∞ and huge': (r) => pick(r, [Infinity, -Infinity, 3e38, -3e38, 3e38, 1, -0, 0]),
  random: (r) => Math.fround(r() * 4 - 2),
};

interface Case {
  readonly xs: number[];
  readonly ys: number[];
  readonly a: Pool2dAttrs;
}

/** A random geometry: kernel 1–4, stride 1–3, padding 0–2 per side, odd and clipped sizes, several planes. */
function randomCase(r: () => number): Case {
  for (;;) {
    const kernel: [number, number] = [int(r, 1, 4), int(r, 1, 4)];
    const strides: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
    const pads: [number, number, number, number] = [int(r, 0, 2), int(r, 0, 2), int(r, 0, 2), int(r, 0, 2)];
    const xs = [int(r, 1, 2), int(r, 1, 3), int(r, 1, 11), int(r, 1, 13)];
    const out = (n: number, k: number, s: number, p0: number, p1: number) => Math.floor((n + p0 + p1 - k) / s) + 1;
    const Ho = out(xs[2], kernel[0], strides[0], pads[0], pads[1]);
    const Wo = out(xs[3], kernel[1], strides[1], pads[2], pads[3]);
    if (Ho >= 1 && Wo >= 1) return { xs, ys: [xs[0], xs[1], Ho, Wo], a: { kernel, strides, pads } };
  }
}

describe.runIf(createWasmEngine())('wasm max pooling matches the TypeScript reference bit for bit', () => {
  for (const [kind, draw] of Object.entries(VALUES))
    it(`forward and backward on 150 random geometries, ${kind} values`, () => {
      const r = rng(kind.length * 7919 + 13);
      for (let n = 0; n < 150; n++) {
        const { xs, ys, a } = randomCase(r);
        const planeSize = xs[2] * xs[3];
        const x = tensor(Array.from({ length: sizeOf(xs) }, (_, i) => draw(r, Math.floor(i / planeSize))), xs, 'float32');
        // Small integers: every sum of dy is exact in float32 and float64 alike.
        const dy = tensor(Array.from({ length: sizeOf(ys) }, () => int(r, -8, 8)), ys, 'float32');
        const what = `x [${xs}], ${JSON.stringify(a)}`;
        const fwd = firstMismatch(call(wasm, 'maxPool2d', [x], a, ys), call(ts, 'maxPool2d', [x], a, ys));
        expect(fwd, `forward ${what}`).toBe(-1);
        const bwd = firstMismatch(call(wasm, 'maxPool2dBackward', [dy, x], a, xs), call(ts, 'maxPool2dBackward', [dy, x], a, xs));
        expect(bwd, `backward ${what}`).toBe(-1);
      }
    });

  it('ties keep the first maximum in row-major order, not column order', () => {
    // Window (0,0) holds +0 at (0,1) before −0 at (1,0) in row order (after it in column order).
    const x = tensor([-1, 0, -0, -0, -1, 0, 0, -0, -1], [1, 1, 3, 3], 'float32');
    const a: Pool2dAttrs = { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0] };
    const y = call(wasm, 'maxPool2d', [x], a, [1, 1, 2, 2]);
    expect(Array.from(y).map((v) => Object.is(v, -0))).toEqual([false, false, true, false]);
    const dx = call(wasm, 'maxPool2dBackward', [tensor([1, 2, 3, 4], [1, 1, 2, 2], 'float32'), x], a, [1, 1, 3, 3]);
    expect(Array.from(dx)).toEqual([0, 3, 0, 3, 0, 4, 0, 0, 0]);
  });

  it('a NaN wins its window; the first NaN takes the gradient', () => {
    const x = tensor([1, NaN, 5, NaN, 2, 3, 4, 0, 9], [1, 1, 3, 3], 'float32');
    const a: Pool2dAttrs = { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0] };
    expect(Array.from(call(wasm, 'maxPool2d', [x], a, [1, 1, 2, 2]))).toEqual([NaN, NaN, NaN, 9]);
    const dx = call(wasm, 'maxPool2dBackward', [tensor([1, 2, 4, 8], [1, 1, 2, 2], 'float32'), x], a, [1, 1, 3, 3]);
    expect(Array.from(dx)).toEqual([0, 3, 0, 4, 0, 0, 0, 0, 8]);
  });
});
