import { describe, expect, it } from 'vitest';
import { ex, type Kernel, type NoAttrs, type TensorData } from '@tessera/core';
import { cpu } from '../src/index.js';
import { elementwiseKernel } from '../src/kernels/expr.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward } from '../src/kernels/pooling-wasm.js';
import type { CpuStorage } from '../src/kernels/storage.js';
import { WasmEngine, createWasmEngine } from '../src/wasm/engine.js';
import { moduleBytes } from '../src/wasm/module.js';
import { residentOf } from '../src/wasm/resident.js';
import { threadSupport } from '../src/wasm/spawn.js';
import { seq } from './helpers.js';

const engine = createWasmEngine({ threads: 1 });

/** The expression kernel of `e` running a ⊕ b. */
function wasmBinary(e: WasmEngine, op: 'add' | 'mul'): Kernel<NoAttrs> {
  const k = elementwiseKernel(e);
  const attrs = { expr: ex[op](ex.input(0), ex.input(1)), scalars: [] };
  return (ctx) => k({ ...ctx, attrs });
}
const host = cpu({ wasm: false, name: 'cpu-host' }).createSync!();

function input(values: number[]): TensorData {
  const v = Float32Array.from(values);
  return { dataId: host.write(v, 'float32', [v.length]), shape: [v.length], dtype: 'float32', size: v.length };
}

function call(k: Kernel<NoAttrs>, a: TensorData, b: TensorData): TensorData {
  const id = k({ backend: host, inputs: [a, b], attrs: {}, out: { shape: a.shape, dtype: 'float32', size: a.size } });
  return { dataId: id, shape: a.shape, dtype: 'float32', size: a.size };
}

const values = (t: TensorData) => (t.dataId as CpuStorage).values as Float32Array;

// Shared wasm memory exists where worker threads do (Node here); elsewhere outputs are copied out.
describe.runIf(engine && threadSupport().kind === 'node')('kernel outputs resident in wasm memory', () => {
  const add = wasmBinary(engine!, 'add');
  const mul = wasmBinary(engine!, 'mul');
  const n = 5000;
  const a = input(seq(n, 1));
  const b = input(seq(n, 2));

  it('stay in the memory, feed the next kernel without a copy, and give their block back when freed', () => {
    const s = call(add, a, b);
    const r = residentOf(values(s));
    expect(r).toBeDefined();
    expect(engine!.copyIn(values(s))).toBe(r!.ptr);
    const p = call(mul, s, b); // reads s in place
    const va = values(a);
    const vb = values(b);
    values(p).forEach((v, i) => expect(v).toBe(Math.fround(Math.fround(va[i] + vb[i]) * vb[i])));
    const view = values(p);
    host.free(p.dataId);
    expect(residentOf(view)).toBeUndefined(); // its block went back to the engine
    host.free(s.dataId);
  });

  it('survive the memory growing under them', () => {
    const s = call(add, a, b);
    const before = Array.from(values(s));
    const bytes = engine!.bytes();
    engine!.reset();
    engine!.alloc(bytes); // scratch larger than the whole memory: it must grow
    expect(engine!.bytes()).toBeGreaterThan(bytes);
    expect(Array.from(values(s))).toEqual(before);
    const t = call(mul, s, s);
    values(t).forEach((v, i) => expect(v).toBe(Math.fround(before[i] * before[i])));
    host.free(s.dataId);
    host.free(t.dataId);
  });

  it('a training-style loop holds the memory steady', () => {
    const step = () => {
      const s = call(add, a, b);
      const p = call(mul, s, b);
      const q = call(add, p, s);
      for (const t of [s, p, q]) host.free(t.dataId);
    };
    for (let i = 0; i < 5; i++) step();
    const bytes = engine!.bytes();
    for (let i = 0; i < 300; i++) step();
    expect(engine!.bytes()).toBe(bytes);
  });

  it('freeing twice or reading after free is caught, not a silent reuse', () => {
    const s = call(add, a, b);
    host.free(s.dataId);
    expect(() => host.readSync!(s.dataId, 'float32', n)).toThrow(/freed/);
    host.free(s.dataId); // no-op: the block is not given back twice
    const x = call(add, a, b);
    const y = call(add, a, b);
    expect(residentOf(values(x))!.ptr).not.toBe(residentOf(values(y))!.ptr);
    host.free(x.dataId);
    host.free(y.dataId);
  });

  it('max pooling reads a resident input in place (its slack zeroed) with the same results as a copied one', () => {
    const shape = [2, 3, 7, 9];
    const size = 2 * 3 * 7 * 9;
    const h1 = input(seq(size, 5));
    const h2 = input(seq(size, 6));
    const x = { ...call(add, h1, h2), shape };
    const copy = { ...input(Array.from(values(x))), shape };
    expect(residentOf(values(x))).toBeDefined();
    const attrs = { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 0, 1] } as never;
    const outShape = [2, 3, 4, 5];
    const pool = wasmMaxPool2d(engine!);
    const run = (t: TensorData) => {
      const id = pool({ backend: host, inputs: [t], attrs, out: { shape: outShape, dtype: 'float32', size: 120 } });
      return Array.from((id as CpuStorage).values);
    };
    expect(run(x)).toEqual(run(copy));
    const dy = { ...input(seq(120, 7)), shape: outShape };
    const back = wasmMaxPool2dBackward(engine!);
    const grad = (t: TensorData) => Array.from((back({ backend: host, inputs: [dy, t], attrs, out: { shape, dtype: 'float32', size } }) as CpuStorage).values);
    expect(grad(x)).toEqual(grad(copy));
    host.free(x.dataId);
  });

  it('a large float32 upload moves into wasm memory (read back equal); small ones and other dtypes stay as written', () => {
    const be = cpu({ name: 'cpu-upload' }).createSync!(); // a wasm backend: large uploads go to the shared memory
    const big = Float32Array.from(seq(1 << 15, 11));
    const id = be.write(big, 'float32', [big.length]) as CpuStorage;
    expect(residentOf(id.values)).toBeDefined();
    expect(id.values).not.toBe(big);
    expect(Array.from(be.readSync!(id, 'float32', big.length))).toEqual(Array.from(big));
    be.free(id);
    const small = Float32Array.from([1, 2, 3]);
    expect((be.write(small, 'float32', [3]) as CpuStorage).values).toBe(small);
    const f64 = Float64Array.from(seq(1 << 14, 12));
    expect((be.write(f64, 'float64', [f64.length]) as CpuStorage).values).toBe(f64);
  });

  it('past the resident limit outputs and uploads go to JavaScript memory, with the same values', () => {
    // The engine's own packing scratch (about 2 MiB) comes first: the limit sits above it.
    const small = createWasmEngine({ threads: 1, residentLimitBytes: 4 << 20 })!;
    const addSmall = wasmBinary(small, 'add');
    const big = 100_000; // 400 KB per tensor
    const x = input(seq(big, 21));
    const y = input(seq(big, 22));
    const outs = [0, 1, 2, 3].map(() => call(addSmall, x, y));
    // Outputs that stay in `small` are read by its copyIn in place; the others were copied out.
    const inSmall = outs.map((t) => residentOf(values(t))?.ptr === small.copyIn(values(t)));
    expect(inSmall[0]).toBe(true);
    expect(inSmall[3]).toBe(false);
    const vx = values(x);
    const vy = values(y);
    for (const t of outs) expect(values(t).every((v, i) => v === Math.fround(vx[i] + vy[i]))).toBe(true);
    for (const t of outs) host.free(t.dataId);
    expect(small.allocResident(big)).not.toBeNull(); // freed blocks serve again under the limit
    expect(small.allocResident(4 << 20)).toBeNull();
    small.dispose();
  });
});

// Without shared memory (a browser page that is not cross-origin isolated) growing the
// memory would detach views, so outputs must be copied out into JavaScript arrays.
describe('kernel outputs without shared memory', () => {
  it('are copied out, never views of the memory, and stay valid when it grows', () => {
    const bytes = moduleBytes({ mr: 4, nr: 8, fma: false }, { initial: 1, maximum: 65536, shared: false });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const e = new WasmEngine(new WebAssembly.Module(bytes), false, memory, null);
    const add = wasmBinary(e, 'add');
    const n = 5000;
    const a = input(seq(n, 31));
    const b = input(seq(n, 32));
    const s = call(add, a, b);
    expect(values(s).buffer).not.toBe(memory.buffer);
    expect(e.allocResident(n)).toBeNull();
    const before = Array.from(values(s));
    e.reset();
    e.alloc(4 * memory.buffer.byteLength); // grows (and detaches the old buffer)
    expect(Array.from(values(s))).toEqual(before);
    const vb = values(b);
    const va = values(a);
    before.forEach((v, i) => expect(v).toBe(Math.fround(va[i] + vb[i])));
    host.free(s.dataId);
  });
});
