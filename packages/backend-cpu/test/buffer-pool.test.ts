import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CpuStorage, cpu, setBufferPoolLimit, setPoolLimit } from '../src/index.js';
import { alloc, allocUninit, freeStorage, bufferPoolBytes, releaseBufferPool, residentAllocator, setResidentAllocator, withMemory, wrap, type CpuMemory } from '../src/kernels/storage.js';

/** The memory (pools, scratch) of a backend instance: the one its written storage belongs to. */
const memoryOf = (impl: { write: (v: Float32Array, d: 'float32', s: number[]) => unknown }): CpuMemory =>
  (impl.write(new Float32Array(1), 'float32', [1]) as CpuStorage).memory;

const BIG = 1 << 16; // floats: 256 KiB, above the pooling threshold

// These tests are about the JavaScript pool: large float32 outputs would otherwise go to
// the wasm engine's memory once a wasm backend exists (see resident.test.ts).
let saved: ReturnType<typeof residentAllocator> = null;
beforeAll(() => {
  saved = residentAllocator();
  setResidentAllocator(null);
});
afterAll(() => setResidentAllocator(saved));

afterEach(() => {
  setBufferPoolLimit(512 * 2 ** 20);
  releaseBufferPool();
});

describe('cpu buffer pool', () => {
  it('keeps setPoolLimit as a deprecated alias of setBufferPoolLimit', () => {
    expect(setPoolLimit).toBe(setBufferPoolLimit);
  });

  it('reuses the buffer of a freed kernel output of the same byte length, zeroed by alloc', () => {
    releaseBufferPool();
    const a = alloc('float32', BIG);
    a.fill(7);
    const buffer = a.buffer;
    freeStorage(wrap(a));
    expect(bufferPoolBytes()).toBe(4 * BIG);
    const b = alloc('int32', BIG); // same byte length, another dtype
    expect(b.buffer).toBe(buffer);
    expect(b).toBeInstanceOf(Int32Array);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(bufferPoolBytes()).toBe(0);
  });

  it('never recycles an array a caller wrote, nor small or sliced arrays', () => {
    releaseBufferPool();
    const impl = cpu({ wasm: false }).createSync!();
    const user = new Float32Array(BIG).fill(3);
    impl.free(impl.write(user, 'float32', [BIG]));
    const small = alloc('float32', 16);
    freeStorage(wrap(small));
    const whole = allocUninit('float32', 2 * BIG) as Float32Array;
    freeStorage(wrap(whole.subarray(BIG)));
    expect(bufferPoolBytes()).toBe(0);
    const next = alloc('float32', BIG);
    expect(next.buffer).not.toBe(user.buffer);
    expect(user[0]).toBe(3);
  });

  it('gives one freed buffer out once, and honours the limit', () => {
    releaseBufferPool();
    const a = alloc('float32', BIG);
    freeStorage(wrap(a));
    const b = allocUninit('float32', BIG);
    const c = allocUninit('float32', BIG);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(b.buffer);
    setBufferPoolLimit(4 * BIG);
    freeStorage(wrap(b));
    freeStorage(wrap(c)); // over the limit: dropped
    expect(bufferPoolBytes()).toBe(4 * BIG);
    setBufferPoolLimit(0);
    expect(bufferPoolBytes()).toBe(0);
  });

  it('shows in memoryInfo and a training-style loop holds the pool steady', () => {
    releaseBufferPool();
    const impl = cpu({ wasm: false }).createSync!();
    const mem = memoryOf(impl);
    const step = () => {
      const ids: CpuStorage[] = [];
      for (let i = 0; i < 5; i++) ids.push(withMemory(mem, () => wrap(alloc('float32', BIG * (i + 1)))));
      for (const id of ids) impl.free(id);
    };
    step();
    const after1 = impl.memoryInfo!().pooledBytes;
    for (let i = 0; i < 20; i++) step();
    expect(after1).toBe(4 * BIG * 15);
    expect(impl.memoryInfo!().pooledBytes).toBe(after1);
  });

  it('is per backend instance: two cpu() instances keep separate pools, scratch and resident allocators, and disposing one leaves the other working', () => {
    const one = cpu({ name: 'cpu-one' }).createSync!();
    const two = cpu({ name: 'cpu-two' }).createSync!();
    const [m1, m2] = [memoryOf(one), memoryOf(two)];
    expect(m1).not.toBe(m2);
    expect(m1.residentAlloc).not.toBe(m2.residentAlloc);
    const int = (impl: typeof one, v: number) => impl.write(new Int32Array(BIG).fill(v), 'int32', [BIG]);
    // A kernel output (int32: always the JavaScript pool) freed on `one` goes back to one's pool only.
    const neg = (impl: typeof one, id: unknown) =>
      (impl.kernels.elementwise as (c: unknown) => CpuStorage)({
        backend: impl, inputs: [{ dataId: id, shape: [BIG], dtype: 'int32', size: BIG }],
        attrs: { expr: { op: 'neg', x: { op: 'input', index: 0 } }, scalars: [] }, out: { shape: [BIG], dtype: 'int32', size: BIG },
      });
    const y1 = neg(one, int(one, 3));
    expect(y1.memory).toBe(m1);
    one.free(y1);
    expect(one.memoryInfo!().pooledBytes).toBe(4 * BIG);
    expect(two.memoryInfo!().pooledBytes).toBe(0);
    // Scratch of `two` (a float64 matmul) stays two's.
    const f64 = (impl: typeof one) => impl.write(new Float64Array(64 * 64).fill(1), 'float64', [64, 64]);
    const mm = (impl: typeof one) => {
      const a = { dataId: f64(impl), shape: [1, 64, 64], dtype: 'float64' as const, size: 4096 };
      return (impl.kernels.matmul as (c: unknown) => CpuStorage)({ backend: impl, inputs: [a, a], attrs: { transposeA: false, transposeB: false }, out: { shape: [1, 64, 64], dtype: 'float64', size: 4096 } });
    };
    mm(two);
    expect(two.memoryInfo!().scratchBytes).toBeGreaterThan(0);
    expect(one.memoryInfo!().scratchBytes).toBe(0);
    mm(one);
    expect(one.memoryInfo!().scratchBytes).toBeGreaterThan(0);
    // Disposing `one` empties its state only; `two` keeps working with its own.
    one.dispose!();
    expect(one.memoryInfo!().pooledBytes).toBe(0);
    expect(two.memoryInfo!().scratchBytes).toBeGreaterThan(0);
    expect(m2.residentAlloc).not.toBeNull();
    expect(one.memoryInfo!().scratchBytes).toBe(0);
    const y2 = neg(two, int(two, 5));
    expect(Array.from((y2.values as Int32Array).subarray(0, 3))).toEqual([-5, -5, -5]);
    expect(Array.from(two.readSync!(mm(two), 'float64', 4096).subarray(0, 2))).toEqual([64, 64]);
    two.dispose!();
  });
});
