import { afterAll, describe, expect, it } from 'vitest';
import { sizeOf, type Conv2dAttrs, type Kernel, type TensorData } from '@tessera/core';
import { cpu } from '../src/index.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from '../src/kernels/conv-wasm.js';
import { geometry } from '../src/kernels/conv.js';
import { WINOGRAD_DEFAULTS, winogradForward, winogradInputGrad, type WinogradOptions } from '../src/kernels/winograd.js';
import { PART } from '../src/wasm/parts.js';
import { createWasmEngine, type WasmEngine } from '../src/wasm/engine.js';
import { tensor } from './helpers.js';

const single = createWasmEngine({ threads: 1 });
const threaded = createWasmEngine({ threads: 3, parallelMinFlops: 0 });
const ts = cpu({ wasm: false }).createSync!();

afterAll(() => threaded?.dispose());

/** Every conv takes the Winograd path; `blockFloats` small enough to force bands or several images per block. */
const always = (blockFloats: number): WinogradOptions => ({ minChannels: 1, maxWorkRatio: Infinity, blockFloats });

function runOn<A>(engine: WasmEngine, kernel: Kernel<A>, inputs: readonly TensorData[], attrs: A, shape: readonly number[]): { y: Float32Array; kinds: number[] } {
  const kinds: number[] = [];
  const runParts = engine.runParts.bind(engine);
  engine.runParts = (parts, flops, what) => {
    kinds.push(...parts.map((p) => p[0]));
    runParts(parts, flops, what);
  };
  try {
    engine.reset();
    const size = sizeOf(shape);
    const id = kernel({ backend: ts, inputs, attrs, out: { shape, dtype: 'float32', size } });
    return { y: ts.readSync!(id, 'float32', size) as Float32Array, kinds };
  } finally {
    engine.runParts = runParts;
  }
}

/** The TypeScript kernel's float64 result. */
function reference<A>(name: 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter', inputs: readonly TensorData[], attrs: A, shape: readonly number[]): Float64Array {
  const as64 = inputs.map((t) => tensor(Array.from(ts.readSync!(t.dataId, 'float32', t.size)), t.shape, 'float64'));
  const size = sizeOf(shape);
  const k = ts.kernels[name] as Kernel<A>;
  return ts.readSync!(k({ backend: ts, inputs: as64, attrs, out: { shape, dtype: 'float64', size } }), 'float64', size) as Float64Array;
}

function random(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Close to the float64 result within float32 rounding of a sum of `terms` products of values in [−1, 1]. */
function expectClose(got: Float32Array, want: Float64Array, terms: number): void {
  expect(got.length).toBe(want.length);
  const tol = 4e-7 * terms;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(tol);
}

const out = (n: number, k: number, p0: number, p1: number) => n + p0 + p1 - k + 1;

describe.runIf(single && threaded)('Winograd F(2×2, 3×3) convolutions', () => {
  const cases: { xs: number[]; o: number; pads: [number, number, number, number]; block: number }[] = [
    { xs: [1, 3, 8, 8], o: 4, pads: [1, 1, 1, 1], block: 1 << 18 },
    { xs: [2, 5, 7, 9], o: 6, pads: [1, 1, 1, 1], block: 1 << 18 }, // odd sizes: partial tiles on both edges
    { xs: [3, 4, 6, 13], o: 5, pads: [0, 0, 0, 0], block: 1 << 18 }, // valid conv
    { xs: [2, 4, 5, 5], o: 3, pads: [2, 2, 2, 2], block: 1 << 18 }, // full padding
    { xs: [2, 3, 9, 10], o: 4, pads: [1, 0, 2, 1], block: 1 << 18 }, // asymmetric
    { xs: [1, 6, 21, 17], o: 7, pads: [1, 1, 1, 1], block: 600 }, // one image in bands of tile rows
    { xs: [9, 2, 4, 4], o: 3, pads: [1, 1, 1, 1], block: 3000 }, // several images per block
    { xs: [2, 70, 5, 7], o: 9, pads: [1, 1, 1, 1], block: 1 << 18 }, // over 64 channels: products by the GEMM
    { xs: [1, 5, 6, 5], o: 67, pads: [1, 1, 2, 0], block: 1 << 18 }, // the same, 67 outputs
    { xs: [2, 64, 5, 6], o: 61, pads: [0, 1, 1, 1], block: 1 << 18 }, // 64 channels: the small-channel kernels' largest
  ];
  for (const { xs, o, pads, block } of cases) {
    const [N, C, H, W] = xs;
    // One image whose V and M fit two blocks takes the phased path (winograd-phased.ts) even on one thread.
    const ours = (k: number) => k === PART.WINOGRAD || (N === 1 && (k === PART.CALL || k === PART.GEMM));
    const ys = [N, o, out(H, 3, pads[0], pads[1]), out(W, 3, pads[2], pads[3])];
    const ws = [o, C, 3, 3];
    const attrs: Conv2dAttrs = { strides: [1, 1], pads, dilations: [1, 1], groups: 1 };
    const x = tensor(random(sizeOf(xs), 1), xs, 'float32');
    const w = tensor(random(sizeOf(ws), 2), ws, 'float32');
    const dy = tensor(random(sizeOf(ys), 3), ys, 'float32');
    const bwd = { ...attrs, inputShape: xs };

    it(`conv2d x [${xs}] pads [${pads}] matches the float64 reference, on 1 and 3 threads bit for bit`, () => {
      const one = runOn(single!, wasmConv2d(single!, undefined, always(block)), [x, w], attrs, ys);
      expect(one.kinds.every(ours)).toBe(true);
      expectClose(one.y, reference('conv2d', [x, w], attrs, ys), 9 * C);
      const three = runOn(threaded!, wasmConv2d(threaded!, undefined, always(block)), [x, w], attrs, ys);
      expect(Array.from(three.y)).toEqual(Array.from(one.y));
    });

    it(`conv2dBackpropInput dy [${ys}] pads [${pads}] matches the float64 reference, on 1 and 3 threads bit for bit`, () => {
      const one = runOn(single!, wasmConv2dBackpropInput(single!, undefined, always(block)), [dy, w], bwd, xs);
      expect(one.kinds.every(ours)).toBe(true);
      expectClose(one.y, reference('conv2dBackpropInput', [dy, w], bwd, xs), 9 * o);
      const three = runOn(threaded!, wasmConv2dBackpropInput(threaded!, undefined, always(block)), [dy, w], bwd, xs);
      expect(Array.from(three.y)).toEqual(Array.from(one.y));
    });

    it(`conv2dBackpropFilter x [${xs}] dy [${ys}] pads [${pads}] matches the float64 reference, on 1 and 3 threads bit for bit`, () => {
      const fa = { ...attrs, filterShape: ws };
      const one = runOn(single!, wasmConv2dBackpropFilter(single!, undefined, always(block)), [x, dy], fa, ws);
      expect(one.kinds.every((k) => k === PART.WINOGRAD)).toBe(true);
      expectClose(one.y, reference('conv2dBackpropFilter', [x, dy], fa, ws), N * ys[2]! * ys[3]!);
      const three = runOn(threaded!, wasmConv2dBackpropFilter(threaded!, undefined, always(block)), [x, dy], fa, ws);
      expect(Array.from(three.y)).toEqual(Array.from(one.y));
    });
  }

  it('is chosen only for 3×3, stride 1, dilation 1, one group, padding ≤ 2, enough channels and less work than the direct conv', () => {
    const g = (xs: number[], ws: number[], a: Partial<Conv2dAttrs>) => {
      const attrs: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, ...a };
      const [N, , H, W] = xs;
      const [sh, sw] = attrs.strides;
      const Ho = Math.floor((H + attrs.pads[0] + attrs.pads[1] - attrs.dilations[0] * (ws[2] - 1) - 1) / sh) + 1;
      const Wo = Math.floor((W + attrs.pads[2] + attrs.pads[3] - attrs.dilations[1] * (ws[3] - 1) - 1) / sw) + 1;
      return geometry(xs, ws, [N, ws[0], Ho, Wo], attrs);
    };
    const d = WINOGRAD_DEFAULTS;
    expect(winogradForward(g([1, 64, 56, 56], [64, 64, 3, 3], {}), d)).not.toBeNull();
    expect(winogradInputGrad(g([128, 16, 32, 32], [16, 16, 3, 3], {}), d)).not.toBeNull();
    expect(winogradForward(g([1, 64, 56, 56], [64, 64, 3, 3], { strides: [2, 2] }), d)).toBeNull();
    expect(winogradForward(g([1, 64, 56, 56], [64, 64, 3, 3], { dilations: [2, 2] }), d)).toBeNull();
    expect(winogradForward(g([1, 64, 56, 56], [64, 32, 3, 3], { groups: 2 }), d)).toBeNull();
    expect(winogradForward(g([1, 64, 56, 56], [64, 64, 5, 5], {}), d)).toBeNull();
    expect(winogradForward(g([1, 64, 56, 56], [64, 64, 3, 3], { pads: [3, 3, 3, 3] }), d)).toBeNull();
    expect(winogradForward(g([1, 3, 224, 224], [64, 3, 3, 3], {}), d)).toBeNull(); // 3 input channels
    expect(winogradForward(g([1, 256, 14, 14], [256, 256, 3, 3], {}), d)).not.toBeNull(); // 56 tiles
    // 16 tiles: the filter transform would not pay per call, but at batch 1 the phased path
    // prepares it once per weights (winograd-phased.ts); without room for the phased path it is not taken.
    expect(winogradForward(g([1, 512, 7, 7], [512, 512, 3, 3], {}), d)).not.toBeNull();
    expect(winogradForward(g([1, 512, 7, 7], [512, 512, 3, 3], {}), { ...d, blockFloats: 1 << 12 })).toBeNull();
  });
});
