import { describe, expect, it } from 'vitest';
import { sizeOf, type DType, type Kernel, type Pool2dAttrs, type TensorData, type TypedArray } from '@tessera/core';
import { cpu } from '../src/index.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { ARENA_LIMIT_FLOATS, f32Inputs } from '../src/kernels/f32-args.js';
import { kernelFor, maxDiff, seq, tensor } from './helpers.js';

// The elementwise and pooling kernels in wasm against the TypeScript kernels on the same
// float32 inputs: elementwise results must be bit-identical (one IEEE single operation
// equals the double result rounded to float32), max pooling too.
const ts = cpu({ wasm: false }).createSync!();
const wasm = cpu({ wasm: true, name: 'cpu-wasm' }).createSync!();

function call(backend: typeof ts, name: string, inputs: readonly TensorData[], attrs: unknown, shape: readonly number[], dtype: DType = 'float32'): TypedArray {
  const size = sizeOf(shape);
  const kernel = kernelFor(backend, name) as unknown as Kernel<unknown>;
  return backend.readSync!(kernel({ backend, inputs, attrs, out: { shape, dtype, size } }), dtype, size);
}

/** Element-by-element Object.is (NaN equals NaN, −0 differs from +0). */
function sameBits(a: TypedArray, b: TypedArray): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
}

/** Values with the awkward cases mixed in: NaN, ±0, ±∞, ties. */
function awkward(n: number, seed: number): number[] {
  const special = [NaN, 0, -0, Infinity, -Infinity, 0.5, 0.5, -1];
  return seq(n, seed).map((v, i) => (i % 5 === 3 ? special[(i + seed) % special.length] : Math.fround(v * 3)));
}

describe.runIf(createWasmEngine())('wasm elementwise and pooling kernels', () => {
  const broadcasts: [number[], number[], number[]][] = [
    [[37], [37], [37]], // one contiguous row, with a scalar tail
    [[2, 3, 5], [1, 3, 1], [2, 3, 5]], // a row per channel, b one float per row
    [[1, 3, 1], [2, 3, 5], [2, 3, 5]], // a one float per row
    [[4, 1], [1, 9], [4, 9]], // outer product: a broadcast, b a row
    [[6, 7], [], [6, 7]], // scalar b
    [[2, 1], [2, 1], [2, 3]], // both broadcast along the row: the TypeScript fallback
  ];
  for (const name of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'])
    for (const [as, bs, os] of broadcasts)
      it(`${name} [${as}] ⊕ [${bs}] is bit-identical to the TypeScript kernel`, () => {
        const a = tensor(awkward(sizeOf(as), 3), as, 'float32');
        const b = tensor(awkward(sizeOf(bs), 4), bs, 'float32');
        const got = call(wasm, name, [a, b], {}, os);
        expect(got).toBeInstanceOf(Float32Array);
        expect(sameBits(got, call(ts, name, [a, b], {}, os))).toBe(true);
      });

  for (const name of ['relu', 'neg', 'abs', 'sqrt'])
    it(`${name} is bit-identical to the TypeScript kernel (NaN, ±0, ±∞)`, () => {
      const x = tensor(awkward(43, 5), [43], 'float32');
      expect(sameBits(call(wasm, name, [x], {}, [43]), call(ts, name, [x], {}, [43]))).toBe(true);
    });

  it('relu keeps NaN and −0 like PyTorch and the TypeScript kernel', () => {
    const x = tensor([NaN, -0, -2, 3, NaN], [5], 'float32');
    expect(Array.from(call(wasm, 'relu', [x], {}, [5]))).toEqual([NaN, -0, 0, 3, NaN]);
  });

  it('ops whose operands would not fit the arena limit stay in TypeScript (wasm memory never shrinks)', () => {
    const x = tensor([1, 2], [2], 'float32');
    expect(f32Inputs([x, x], 'float32', 2)).toHaveLength(2);
    const huge = { ...x, size: ARENA_LIMIT_FLOATS };
    expect(f32Inputs([huge], 'float32', 1)).toBeNull();
    expect(f32Inputs([x], 'float64', 2)).toBeNull();
  });

  it('int32 and float64 still run the TypeScript kernels', () => {
    const big = 2 ** 40 + 1;
    expect(call(wasm, 'add', [tensor([big], [1]), tensor([1], [1])], {}, [1], 'float64')[0]).toBe(big + 1);
    const i = call(wasm, 'mul', [tensor([2 ** 30], [1], 'int32'), tensor([4], [1], 'int32')], {}, [1], 'int32');
    expect(i[0]).toBe(0); // wraps like int32
  });

  const pools: { name: string; xs: number[]; a: Pool2dAttrs }[] = [
    { name: 'MNIST 3×3 stride 3', xs: [2, 3, 9, 9], a: { kernel: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0] } },
    { name: 'overlapping 3×2 stride 1, asymmetric padding', xs: [1, 2, 6, 7], a: { kernel: [3, 2], strides: [1, 1], pads: [1, 0, 2, 1] } },
    { name: 'stride 2 with a clipped last window', xs: [2, 1, 5, 5], a: { kernel: [2, 2], strides: [2, 2], pads: [0, 1, 0, 1] } },
  ];
  const outSize = (n: number, k: number, s: number, p0: number, p1: number) => Math.floor((n + p0 + p1 - k) / s) + 1;
  for (const { name, xs, a } of pools)
    it(`maxPool2d and its gradient: ${name}`, () => {
      const [N, C, H, W] = xs;
      const ys = [N, C, outSize(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[1]), outSize(W, a.kernel[1], a.strides[1], a.pads[2], a.pads[3])];
      const x = tensor(awkward(sizeOf(xs), 6), xs, 'float32');
      expect(sameBits(call(wasm, 'maxPool2d', [x], a, ys), call(ts, 'maxPool2d', [x], a, ys))).toBe(true);
      const dy = tensor(seq(sizeOf(ys), 7).map(Math.fround), ys, 'float32');
      const got = call(wasm, 'maxPool2dBackward', [dy, x], a, xs);
      const want = call(ts, 'maxPool2dBackward', [dy, x], a, xs);
      // Overlapping windows add several dy in float32 (TypeScript adds in doubles).
      expect(maxDiff(got, want)).toBeLessThan(1e-6);
    });

  it('an all −∞ window routes its gradient to its first element, as in TypeScript', () => {
    const a = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] } as Pool2dAttrs;
    const x = tensor([-Infinity, -Infinity, -Infinity, -Infinity], [1, 1, 2, 2], 'float32');
    const dy = tensor([5], [1, 1, 1, 1], 'float32');
    expect(Array.from(call(wasm, 'maxPool2dBackward', [dy, x], a, [1, 1, 2, 2]))).toEqual([5, 0, 0, 0]);
    expect(Array.from(call(wasm, 'maxPool2d', [x], a, [1, 1, 1, 1]))).toEqual([-Infinity]);
  });
});
