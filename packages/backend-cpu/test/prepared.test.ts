import { afterAll, describe, expect, it } from 'vitest';
import { sizeOf, type Conv2dAttrs, type Kernel, type TensorData } from '@tessera/core';
import { cpu } from '../src/index.js';
import { wasmConv2d, wasmConv2dBackpropInput } from '../src/kernels/conv-wasm.js';
import { geometry } from '../src/kernels/conv.js';
import { preparedBytes, setPreparedLimit } from '../src/kernels/prepared.js';
import { WINOGRAD_DEFAULTS, winogradForward, type WinogradOptions } from '../src/kernels/winograd.js';
import { PART } from '../src/wasm/parts.js';
import { createWasmEngine, type WasmEngine } from '../src/wasm/engine.js';
import { tensor } from './helpers.js';

const single = createWasmEngine({ threads: 1 });
const threaded = createWasmEngine({ threads: 3, parallelMinFlops: 0 });
const ts = cpu({ wasm: false }).createSync!();
afterAll(() => threaded?.dispose());

/** Runs `kernel` on `engine`, noting the kinds of the parts it dispatched. */
function runOn<A>(engine: WasmEngine, kernel: Kernel<A>, inputs: readonly TensorData[], attrs: A, shape: readonly number[]) {
  const kinds = new Set<number>();
  const runParts = engine.runParts.bind(engine);
  engine.runParts = (parts, flops, what) => {
    for (const p of parts) kinds.add(p[0]);
    runParts(parts, flops, what);
  };
  try {
    const size = sizeOf(shape);
    const id = kernel({ backend: ts, inputs, attrs, out: { shape, dtype: 'float32', size } });
    return { y: Array.from(ts.readSync!(id, 'float32', size)), kinds };
  } finally {
    engine.runParts = runParts;
  }
}

/** The TypeScript kernel's float64 result. */
function reference<A>(name: 'conv2d' | 'conv2dBackpropInput', inputs: readonly TensorData[], attrs: A, shape: readonly number[]): number[] {
  const as64 = inputs.map((t) => tensor(Array.from(ts.readSync!(t.dataId, 'float32', t.size)), t.shape, 'float64'));
  const size = sizeOf(shape);
  const id = (ts.kernels[name] as Kernel<A>)({ backend: ts, inputs: as64, attrs, out: { shape, dtype: 'float64', size } });
  return Array.from(ts.readSync!(id, 'float64', size));
}

function random(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function expectClose(got: readonly number[], want: readonly number[], terms: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(4e-7 * terms);
}

const same: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
const forced = (blockFloats: number): WinogradOptions => ({ minChannels: 1, maxWorkRatio: Infinity, blockFloats });

describe.runIf(single && threaded)('weights prepared ahead (packed once, reused by later calls)', () => {
  it('a batch-1 conv with few outputs packs its filters once: same numbers on every call, on 1 and 3 threads', () => {
    // 66 filters (not a multiple of the 4-row register tile) of 24 channels on a 5×5 image:
    // 25 output pixels, so output-channel parts on 3 threads, each reading its rows of the packed filters.
    const xs = [1, 24, 5, 5];
    const ws = [66, 24, 3, 3];
    const ys = [1, 66, 5, 5];
    const x = tensor(random(sizeOf(xs), 1), xs, 'float32');
    const w = tensor(random(sizeOf(ws), 2), ws, 'float32');
    const want = reference('conv2d', [x, w], same, ys);
    for (const engine of [single!, threaded!]) {
      const before = preparedBytes(engine);
      const first = runOn(engine, wasmConv2d(engine, undefined, null), [x, w], same, ys);
      expect(preparedBytes(engine)).toBe(before + 4 * 68 * 24 * 9);
      const again = runOn(engine, wasmConv2d(engine, undefined, null), [x, w], same, ys);
      expect(preparedBytes(engine)).toBe(before + 4 * 68 * 24 * 9);
      expectClose(first.y, want, 9 * 24);
      expect(again.y).toEqual(first.y);
    }
    expect(runOn(threaded!, wasmConv2d(threaded!, undefined, null), [x, w], same, ys).y).toEqual(
      runOn(single!, wasmConv2d(single!, undefined, null), [x, w], same, ys).y,
    );
  });

  it('freeing the weights gives their prepared blocks back', () => {
    const xs = [1, 8, 4, 4];
    const ws = [12, 8, 3, 3];
    const x = tensor(random(sizeOf(xs), 3), xs, 'float32');
    const w = tensor(random(sizeOf(ws), 4), ws, 'float32');
    const before = preparedBytes(single!);
    runOn(single!, wasmConv2d(single!, undefined, null), [x, w], same, [1, 12, 4, 4]);
    expect(preparedBytes(single!)).toBeGreaterThan(before);
    ts.free(w.dataId);
    expect(preparedBytes(single!)).toBe(before);
  });

  it('with the limit at 0 nothing is kept and the results are the same', () => {
    const xs = [1, 8, 4, 4];
    const ws = [12, 8, 3, 3];
    const ys = [1, 12, 4, 4];
    const x = tensor(random(sizeOf(xs), 5), xs, 'float32');
    const w = tensor(random(sizeOf(ws), 6), ws, 'float32');
    const was = setPreparedLimit(0);
    try {
      const before = preparedBytes(single!);
      const y = runOn(single!, wasmConv2d(single!, undefined, null), [x, w], same, ys).y;
      expect(preparedBytes(single!)).toBe(before);
      setPreparedLimit(was);
      expect(runOn(single!, wasmConv2d(single!, undefined, null), [x, w], same, ys).y).toEqual(y);
    } finally {
      setPreparedLimit(was);
    }
  });
});

describe.runIf(single && threaded)('phased Winograd (batch below the thread count)', () => {
  const cases = [
    { xs: [1, 40, 6, 6], o: 24 },
    { xs: [2, 20, 7, 9], o: 18 }, // odd sizes, 2 images on 3 threads
    { xs: [1, 400, 4, 4], o: 16 }, // more channels than one dispatch holds
  ];
  for (const { xs, o } of cases) {
    const [N, C, H, W] = xs;
    const ys = [N, o, H, W];
    const ws = [o, C, 3, 3];
    const x = tensor(random(sizeOf(xs), 7), xs, 'float32');
    const w = tensor(random(sizeOf(ws), 8), ws, 'float32');
    const dy = tensor(random(sizeOf(ys), 9), ys, 'float32');

    it(`conv2d x [${xs}] → ${o}: input transforms, 16 GEMM parts and output transforms, bit for bit as one thread's bands`, () => {
      const three = runOn(threaded!, wasmConv2d(threaded!, undefined, forced(1 << 18)), [x, w], same, ys);
      expect([...three.kinds].sort()).toEqual([PART.GEMM, PART.CALL].sort());
      // Blocks too small for V and M send one thread down the banded path.
      const one = runOn(single!, wasmConv2d(single!, undefined, forced(64)), [x, w], same, ys);
      expect([...one.kinds]).toEqual([PART.WINOGRAD]);
      expectClose(three.y, reference('conv2d', [x, w], same, ys), 9 * C);
      expect(three.y).toEqual(one.y);
      // The second call reads the transformed filters prepared by the first.
      expect(runOn(threaded!, wasmConv2d(threaded!, undefined, forced(1 << 18)), [x, w], same, ys).y).toEqual(one.y);
    });

    it(`conv2dBackpropInput dy [${ys}] → ${C}: phased with the flipped filters, bit for bit as one thread`, () => {
      const attrs = { ...same, inputShape: xs };
      const three = runOn(threaded!, wasmConv2dBackpropInput(threaded!, undefined, forced(1 << 18)), [dy, w], attrs, xs);
      expect(three.kinds.has(PART.WINOGRAD)).toBe(false);
      const one = runOn(single!, wasmConv2dBackpropInput(single!, undefined, forced(64)), [dy, w], attrs, xs);
      expect([...one.kinds]).toEqual([PART.WINOGRAD]);
      expectClose(three.y, reference('conv2dBackpropInput', [dy, w], attrs, xs), 9 * o);
      expect(three.y).toEqual(one.y);
    });
  }

  it('takes Winograd for ResNet-18’s 7×7 stage at batch 1 (the filter transform is prepared once) on 1 and 2 threads', () => {
    const g = geometry([1, 512, 7, 7], [512, 512, 3, 3], [1, 512, 7, 7], same);
    expect(winogradForward(g, WINOGRAD_DEFAULTS, 1)).not.toBeNull();
    expect(winogradForward(g, WINOGRAD_DEFAULTS, 2)).not.toBeNull();
    // Paying the filter transform per call (no room for the phased path), 16 tiles would not repay it.
    expect(winogradForward(g, { ...WINOGRAD_DEFAULTS, blockFloats: 1 << 12 }, 2)).toBeNull();
  });
});
