import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, sizeOf, type Conv2dAttrs, type Kernel, type TensorData } from '@tessera/core';
import { cpu, setThreads } from '../src/index.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from '../src/kernels/conv-wasm.js';
import { wasmMatmul } from '../src/kernels/matmul-wasm.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward } from '../src/kernels/pooling-wasm.js';
import { createWasmEngine, splitJob, type WasmEngine } from '../src/wasm/engine.js';
import { threadSupport } from '../src/wasm/spawn.js';
import { seq, tensor } from './helpers.js';

// Threads split C into blocks, each element still computed by one thread in the same
// order: results must be bit-identical to one thread. parallelMinFlops 0 sends even
// tiny GEMMs to the workers, so small tests cover the threaded path.
const single = createWasmEngine({ threads: 1 });
const threaded = createWasmEngine({ threads: 3, parallelMinFlops: 0 });
const ts = cpu({ wasm: false }).createSync!();

function run<A>(engine: WasmEngine, kernel: Kernel<A>, inputs: readonly TensorData[], attrs: A, shape: readonly number[]): Float32Array {
  engine.reset();
  const size = sizeOf(shape);
  const id = kernel({ backend: ts, inputs, attrs, out: { shape, dtype: 'float32', size } });
  return ts.readSync!(id, 'float32', size) as Float32Array;
}

afterAll(() => {
  threaded?.dispose();
  setThreads();
});

describe.runIf(single && threaded && threadSupport().kind === 'node')('worker threads', () => {
  it('take their count at the next kernel call', () => {
    threaded!.reset();
    expect(threaded!.threads).toBe(3);
    single!.reset();
    expect(single!.threads).toBe(1);
  });

  it('split a GEMM in whole register tiles along the longer side of C', () => {
    const job = { M: 10, N: 100, K: 3, a: 0, ars: 3, acs: 1, b: 4000, brs: 100, bcs: 1, c: 8000, ldc: 100, accumulate: false };
    const byN = splitJob(job, 3);
    expect(byN.map((j) => j.N)).toEqual([40, 40, 20]);
    expect(byN.map((j) => j.c)).toEqual([8000, 8160, 8320]);
    const byM = splitJob({ ...job, M: 100, N: 10 }, 4);
    // (the engine asks for three parts per thread; threads claim them as they go)
    expect(byM.map((j) => j.M)).toEqual([28, 28, 28, 16]); // 4-row tiles: 7 per part
    expect(byM[1].a).toBe(4 * 28 * 3);
  });

  for (const [M, N, K] of [[7, 300, 40], [300, 9, 33], [64, 64, 64], [1, 1, 5]])
    for (const tA of [false, true])
      for (const tB of [false, true])
        it(`matmul ${M}×${N}×${K} transposeA=${tA} transposeB=${tB} is bit-identical on 3 threads`, () => {
          const a = tensor(seq(M * K, 3), [1, tA ? K : M, tA ? M : K], 'float32');
          const b = tensor(seq(K * N, 4), [1, tB ? N : K, tB ? K : N], 'float32');
          const attrs = { transposeA: tA, transposeB: tB };
          const one = run(single!, wasmMatmul(single!), [a, b], attrs, [1, M, N]);
          const three = run(threaded!, wasmMatmul(threaded!), [a, b], attrs, [1, M, N]);
          expect(Array.from(three)).toEqual(Array.from(one));
        });

  it('200 GEMMs in a row (accumulating into C) stay bit-identical: no part lost or run twice', () => {
    const [M, N, K] = [13, 70, 9];
    const prep = (e: WasmEngine) => {
      e.reset();
      const a = e.copyIn(Float32Array.from(seq(M * K, 8)));
      const b = e.copyIn(Float32Array.from(seq(K * N, 9)));
      const c = e.alloc(M * N);
      e.f32.fill(0, c >> 2, (c >> 2) + M * N);
      return { a, b, c };
    };
    const outs = [single!, threaded!].map((e) => {
      e.reset(); // sizes the pool after the first split GEMM seen by earlier tests
      const { a, b, c } = prep(e);
      for (let i = 0; i < 200; i++) e.gemm(M, N, K, { ptr: a, rs: K, cs: 1 }, { ptr: b, rs: N, cs: 1 }, c, N, true);
      return Array.from(e.f32.subarray(c >> 2, (c >> 2) + M * N));
    });
    expect(outs[1]).toEqual(outs[0]);
    expect(single!.workerParts).toBe(0);
  });

  it('the workers really run parts (larger GEMMs until one lands on a worker)', () => {
    // Parts go to whichever thread claims them first, so on a busy machine the calling
    // thread may take every part of a few GEMMs; over many larger ones a worker wins some.
    const n = 192;
    const e = threaded!;
    e.reset();
    const a = e.copyIn(Float32Array.from(seq(n * n, 10)));
    const b = e.copyIn(Float32Array.from(seq(n * n, 11)));
    const c = e.alloc(n * n);
    const before = e.workerParts;
    for (let i = 0; i < 2000 && e.workerParts === before; i++) e.gemm(n, n, n, { ptr: a, rs: n, cs: 1 }, { ptr: b, rs: n, cs: 1 }, c, n, false);
    expect(e.workerParts).toBeGreaterThan(before);
  });

  it('conv2d and both backprops are bit-identical on 3 threads', () => {
    const xs = [3, 4, 11, 10];
    const ws = [6, 4, 3, 3];
    const ys = [3, 6, 9, 8];
    const a: Conv2dAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    const x = tensor(seq(sizeOf(xs), 5), xs, 'float32');
    const w = tensor(seq(sizeOf(ws), 6), ws, 'float32');
    const dy = tensor(seq(sizeOf(ys), 7), ys, 'float32');
    const same = <A>(make: (e: WasmEngine) => Kernel<A>, inputs: TensorData[], attrs: A, shape: number[]) =>
      expect(Array.from(run(threaded!, make(threaded!), inputs, attrs, shape))).toEqual(Array.from(run(single!, make(single!), inputs, attrs, shape)));
    same((e) => wasmConv2d(e), [x, w], a, ys);
    same((e) => wasmConv2dBackpropInput(e), [dy, w], { ...a, inputShape: xs }, xs);
    same((e) => wasmConv2dBackpropFilter(e), [x, dy], { ...a, filterShape: ws }, ws);
  });

  it('conv parts (grouped small images, row bands, 2 groups, strides and padding) match one thread bit for bit and reach the workers', () => {
    // 9 images of 5×6 → per-GEMM groups of several images; blockFloats 30 → one image cut into row bands.
    const xs = [9, 4, 5, 6];
    const ws = [6, 2, 3, 2];
    const a: Conv2dAttrs = { strides: [2, 1], pads: [1, 1, 0, 1], dilations: [1, 2], groups: 2 };
    const ys = [9, 6, 3, 5];
    const x = tensor(seq(sizeOf(xs), 12), xs, 'float32');
    const w = tensor(seq(sizeOf(ws), 13), ws, 'float32');
    const dy = tensor(seq(sizeOf(ys), 14), ys, 'float32');
    const before = threaded!.workerParts;
    for (const block of [1 << 17, 30]) {
      const same = <A>(make: (e: WasmEngine) => Kernel<A>, inputs: TensorData[], attrs: A, shape: number[]) => {
        const one = run(single!, make(single!), inputs, attrs, shape);
        for (let i = 0; i < 20; i++) expect(Array.from(run(threaded!, make(threaded!), inputs, attrs, shape))).toEqual(Array.from(one));
      };
      same((e) => wasmConv2d(e, block), [x, w], a, ys);
      same((e) => wasmConv2dBackpropInput(e, block), [dy, w], { ...a, inputShape: xs }, xs);
      same((e) => wasmConv2dBackpropFilter(e, block), [x, dy], { ...a, filterShape: ws }, ws);
    }
    // A busy machine may let the calling thread claim every part for a while.
    const conv = wasmConv2d(threaded!);
    for (let i = 0; i < 2000 && threaded!.workerParts === before; i++) run(threaded!, conv, [x, w], a, ys);
    expect(threaded!.workerParts).toBeGreaterThan(before);
  });

  it('batch-1 convs split into row-band parts match one thread bit for bit', () => {
    const xs = [1, 3, 17, 12];
    const ws = [5, 3, 3, 3];
    const a: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
    const ys = [1, 5, 17, 12];
    const x = tensor(seq(sizeOf(xs), 16), xs, 'float32');
    const w = tensor(seq(sizeOf(ws), 17), ws, 'float32');
    const dy = tensor(seq(sizeOf(ys), 18), ys, 'float32');
    // blockFloats 27·12·2: bands of 2 rows, 9 bands → row-range parts.
    const block = 27 * 12 * 2;
    for (let i = 0; i < 20; i++) {
      expect(Array.from(run(threaded!, wasmConv2d(threaded!, block), [x, w], a, ys))).toEqual(Array.from(run(single!, wasmConv2d(single!, block), [x, w], a, ys)));
      const fa = { ...a, filterShape: ws };
      expect(Array.from(run(threaded!, wasmConv2dBackpropFilter(threaded!, block), [x, dy], fa, ws))).toEqual(Array.from(run(single!, wasmConv2dBackpropFilter(single!, block), [x, dy], fa, ws)));
    }
  });

  it('batch-1 convs of deep layers split into output-channel parts match one thread bit for bit', () => {
    const xs = [1, 8, 5, 5];
    const ws = [48, 8, 3, 3];
    const a: Conv2dAttrs = { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
    const ys = [1, 48, 3, 3];
    const x = tensor(seq(sizeOf(xs), 19), xs, 'float32');
    const w = tensor(seq(sizeOf(ws), 20), ws, 'float32');
    // 48 output channels over 9 output pixels: four channel ranges of 12.
    for (let i = 0; i < 20; i++) {
      expect(Array.from(run(threaded!, wasmConv2d(threaded!), [x, w], a, ys))).toEqual(Array.from(run(single!, wasmConv2d(single!), [x, w], a, ys)));
    }
  });

  it('max pooling split over planes (clipped windows too) matches one thread bit for bit and reaches the workers', () => {
    const xs = [3, 5, 9, 11];
    const x = tensor(seq(sizeOf(xs), 15), xs, 'float32');
    for (const attrs of [
      { kernel: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0] },
      { kernel: [3, 2], strides: [2, 1], pads: [1, 1, 1, 0] },
    ] as const) {
      const ho = Math.floor((9 + attrs.pads[0] + attrs.pads[1] - attrs.kernel[0]) / attrs.strides[0]) + 1;
      const wo = Math.floor((11 + attrs.pads[2] + attrs.pads[3] - attrs.kernel[1]) / attrs.strides[1]) + 1;
      const ys = [3, 5, ho, wo];
      const dy = tensor(seq(sizeOf(ys), 16), ys, 'float32');
      const a = { kernel: [...attrs.kernel], strides: [...attrs.strides], pads: [...attrs.pads] };
      const one = run(single!, wasmMaxPool2d(single!), [x], a as never, ys);
      const back = run(single!, wasmMaxPool2dBackward(single!), [dy, x], a as never, xs);
      for (let i = 0; i < 10; i++) {
        expect(Array.from(run(threaded!, wasmMaxPool2d(threaded!), [x], a as never, ys))).toEqual(Array.from(one));
        expect(Array.from(run(threaded!, wasmMaxPool2dBackward(threaded!), [dy, x], a as never, xs))).toEqual(Array.from(back));
      }
    }
    const before = threaded!.workerParts;
    const pool = wasmMaxPool2d(threaded!);
    const a = { kernel: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0] };
    for (let i = 0; i < 2000 && threaded!.workerParts === before; i++) run(threaded!, pool, [x], a as never, [3, 5, 3, 3]);
    expect(threaded!.workerParts).toBeGreaterThan(before);
  });

  it('setThreads resizes the pool at the next kernel call and rejects nonsense', () => {
    const e = createWasmEngine()!;
    setThreads(2);
    e.reset();
    expect(e.threads).toBe(2);
    setThreads(1);
    e.reset();
    expect(e.threads).toBe(1);
    expect(() => setThreads(0)).toThrow(BackendError);
    expect(() => setThreads(1.5)).toThrow(/positive integer/);
    e.dispose();
  });

  it('an explicit threads option wins over setThreads and shows in info()', () => {
    setThreads(1);
    const impl = cpu({ threads: 2, name: 'cpu-2t' }).createSync!();
    const mm = impl.kernels.matmul as Kernel<{ transposeA: boolean; transposeB: boolean }>;
    const a = tensor(seq(4), [1, 2, 2], 'float32');
    impl.readSync!(mm({ backend: impl, inputs: [a, a], attrs: { transposeA: false, transposeB: false }, out: { shape: [1, 2, 2], dtype: 'float32', size: 4 } }), 'float32', 4);
    expect(impl.info!().threads).toBe(2);
    impl.dispose?.();
  });
});
