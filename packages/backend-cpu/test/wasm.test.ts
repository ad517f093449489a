import { describe, expect, it } from 'vitest';
import { sizeOf, type Conv2dAttrs, type DType, type Kernel, type TensorData, type TypedArray } from '@tessera/core';
import { cpu } from '../src/index.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from '../src/kernels/conv-wasm.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { maxDiff, seq, tensor } from './helpers.js';

// The WebAssembly SIMD kernels (float32) against the TypeScript kernels run in float64
// on the same float32-rounded inputs.
const ts = cpu({ wasm: false }).createSync!();
const wasm = cpu({ wasm: true, name: 'cpu-wasm' }).createSync!();
const engine = createWasmEngine();

function call<A>(kernel: Kernel<A>, inputs: readonly TensorData[], attrs: A, shape: readonly number[], dtype: DType): TypedArray {
  const size = sizeOf(shape);
  const id = kernel({ backend: ts, inputs, attrs, out: { shape, dtype, size } });
  return ts.readSync!(id, dtype, size);
}

function pair(values: number[], shape: number[]): [TensorData, TensorData] {
  const v = values.map(Math.fround);
  return [tensor(v, shape, 'float32'), tensor(v, shape, 'float64')];
}

/** Float32 accumulation error grows with the reduction length. */
const tol = (k: number) => 2e-6 * (k + 1);

describe.runIf(engine)('wasm GEMM', () => {
  it('is on in the default backend and reported by info()', () => {
    expect(wasm.info!().wasm).toMatch(/^simd/);
    expect(ts.info!().wasm).toBe('off');
  });

  const sizes = [[1, 1, 1], [7, 13, 5], [65, 129, 33], [6, 8, 256], [13, 17, 257], [121, 9, 300]];
  for (const [M, N, K] of sizes)
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const [Ba, Bb] of [[1, 1], [3, 3], [1, 3], [3, 1]])
          it(`matmul ${M}×${N}×${K} transposeA=${tA} transposeB=${tB} batch ${Ba}×${Bb}`, () => {
            const [a32, a64] = pair(seq(Ba * M * K, M + K), [Ba, tA ? K : M, tA ? M : K]);
            const [b32, b64] = pair(seq(Bb * K * N, N + 7), [Bb, tB ? N : K, tB ? K : N]);
            const attrs = { transposeA: tA, transposeB: tB };
            const out = [Math.max(Ba, Bb), M, N];
            const got = call(wasm.kernels.matmul as Kernel<typeof attrs>, [a32, b32], attrs, out, 'float32');
            const want = call(ts.kernels.matmul as Kernel<typeof attrs>, [a64, b64], attrs, out, 'float64');
            expect(got).toBeInstanceOf(Float32Array);
            expect(maxDiff(got, want)).toBeLessThan(tol(K));
          });

  it('matmul with K = 0 and with an empty output', () => {
    const mm = wasm.kernels.matmul as Kernel<{ transposeA: boolean; transposeB: boolean }>;
    const attrs = { transposeA: false, transposeB: false };
    expect(Array.from(call(mm, [tensor([], [1, 2, 0], 'float32'), tensor([], [1, 0, 3], 'float32')], attrs, [1, 2, 3], 'float32'))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(call(mm, [tensor([], [1, 0, 4], 'float32'), tensor(seq(12), [1, 4, 3], 'float32')], attrs, [1, 0, 3], 'float32').length).toBe(0);
  });

  it('int32 and float64 matmul still run the exact TypeScript kernel', () => {
    const mm = wasm.kernels.matmul as Kernel<{ transposeA: boolean; transposeB: boolean }>;
    const attrs = { transposeA: false, transposeB: false };
    const big = 2 ** 40 + 1;
    const got = call(mm, [tensor([big], [1, 1, 1], 'float64'), tensor([3], [1, 1, 1], 'float64')], attrs, [1, 1, 1], 'float64');
    expect(got[0]).toBe(3 * big);
    const i = call(mm, [tensor([1, 2, 3, 4], [1, 2, 2], 'int32'), tensor([5, 6, 7, 8], [1, 2, 2], 'int32')], attrs, [1, 2, 2], 'int32');
    expect(Array.from(i)).toEqual([19, 22, 43, 50]);
  });

  const outSize = (size: number, k: number, s: number, p0: number, p1: number, d: number) =>
    Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;
  const convCases: { name: string; xs: number[]; ws: number[]; a: Conv2dAttrs }[] = [
    { name: 'MNIST conv1 shape', xs: [3, 1, 28, 28], ws: [8, 1, 5, 5], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
    { name: 'stride 2, asymmetric padding, dilation 2, groups 2', xs: [2, 4, 9, 8], ws: [6, 2, 3, 2], a: { strides: [2, 2], pads: [1, 2, 0, 3], dilations: [2, 2], groups: 2 } },
    { name: 'depthwise, mixed strides', xs: [2, 3, 7, 10], ws: [3, 1, 2, 3], a: { strides: [1, 3], pads: [2, 0, 1, 1], dilations: [3, 1], groups: 3 } },
    { name: 'unit stride with padding, runs of 8+ pixels', xs: [2, 3, 12, 13], ws: [4, 3, 3, 3], a: { strides: [1, 1], pads: [1, 1, 2, 0], dilations: [1, 1], groups: 1 } },
    // Batch 1 with at least twice as many output channels as output pixels: conv2d's parts take output-channel ranges.
    { name: 'batch 1, 36 channels over 4×4 outputs (output-channel parts)', xs: [1, 3, 4, 4], ws: [36, 3, 3, 3], a: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 } },
    { name: 'batch 1, 1×1 stride 1, 40 channels over 3×3 (output-channel parts, in place)', xs: [1, 5, 3, 3], ws: [40, 5, 1, 1], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
    // Pointwise convs of one image per GEMM read and write the planes in place (no im2col).
    { name: '1×1 stride 1, groups 2, 17×16 images (in-place GEMM)', xs: [2, 4, 17, 16], ws: [6, 2, 1, 1], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 } },
    { name: '1×1 stride 1, batch 1 (in-place GEMM, row-band parts)', xs: [1, 3, 6, 5], ws: [4, 3, 1, 1], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
    { name: '1×1 stride 1 with padding (im2col)', xs: [2, 3, 5, 5], ws: [4, 3, 1, 1], a: { strides: [1, 1], pads: [1, 0, 0, 1], dilations: [1, 1], groups: 1 } },
    { name: '1×1, stride 2', xs: [3, 2, 5, 5], ws: [5, 2, 1, 1], a: { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
    // One image: with row bands, conv2d and the filter gradient split the bands into parts.
    { name: 'batch 1, 7×7 stride 2 padding 3 (row-band parts)', xs: [1, 3, 15, 13], ws: [4, 3, 7, 7], a: { strides: [2, 2], pads: [3, 3, 3, 3], dilations: [1, 1], groups: 1 } },
  ];
  // A chunk limit so small that images are split into row bands and chunks hold several bands.
  for (const chunkFloats of [1 << 24, 40])
    for (const { name, xs, ws, a } of convCases) {
      const [N, , H, W] = xs;
      const [O, Cg, kH, kW] = ws;
      const ys = [N, O, outSize(H, kH, a.strides[0], a.pads[0], a.pads[1], a.dilations[0]), outSize(W, kW, a.strides[1], a.pads[2], a.pads[3], a.dilations[1])];
      const [x32, x64] = pair(seq(sizeOf(xs), 41), xs);
      const [w32, w64] = pair(seq(sizeOf(ws), 42), ws);
      const [dy32, dy64] = pair(seq(sizeOf(ys), 43), ys);
      const R = Cg * kH * kW;
      it(`conv2d and both backprops: ${name} (chunk ${chunkFloats} floats)`, () => {
        const e = createWasmEngine()!;
        const y = call(wasmConv2d(e, chunkFloats), [x32, w32], a, ys, 'float32');
        expect(maxDiff(y, call(ts.kernels.conv2d as Kernel<Conv2dAttrs>, [x64, w64], a, ys, 'float64'))).toBeLessThan(tol(R));
        const ia = { ...a, inputShape: xs };
        const dx = call(wasmConv2dBackpropInput(e, chunkFloats), [dy32, w32], ia, xs, 'float32');
        expect(maxDiff(dx, call(ts.kernels.conv2dBackpropInput as Kernel<typeof ia>, [dy64, w64], ia, xs, 'float64'))).toBeLessThan(tol(O));
        const fa = { ...a, filterShape: ws };
        const dw = call(wasmConv2dBackpropFilter(e, chunkFloats), [x32, dy32], fa, ws, 'float32');
        expect(maxDiff(dw, call(ts.kernels.conv2dBackpropFilter as Kernel<typeof fa>, [x64, dy64], fa, ws, 'float64'))).toBeLessThan(tol(N * ys[2] * ys[3]));
      });
    }
});
