import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CpuStorage, cpu, setPoolLimit } from '../src/index.js';
import { alloc, allocUninit, freeStorage, poolBytes, releasePool, residentAllocator, setResidentAllocator, wrap } from '../src/kernels/storage.js';

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
  setPoolLimit(512 * 2 ** 20);
  releasePool();
});

describe('cpu buffer pool', () => {
  it('reuses the buffer of a freed kernel output of the same byte length, zeroed by alloc', () => {
    releasePool();
    const a = alloc('float32', BIG);
    a.fill(7);
    const buffer = a.buffer;
    freeStorage(wrap(a));
    expect(poolBytes()).toBe(4 * BIG);
    const b = alloc('int32', BIG); // same byte length, another dtype
    expect(b.buffer).toBe(buffer);
    expect(b).toBeInstanceOf(Int32Array);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(poolBytes()).toBe(0);
  });

  it('never recycles an array a caller wrote, nor small or sliced arrays', () => {
    releasePool();
    const impl = cpu({ wasm: false }).createSync!();
    const user = new Float32Array(BIG).fill(3);
    impl.free(impl.write(user, 'float32', [BIG]));
    const small = alloc('float32', 16);
    freeStorage(wrap(small));
    const whole = allocUninit('float32', 2 * BIG) as Float32Array;
    freeStorage(wrap(whole.subarray(BIG)));
    expect(poolBytes()).toBe(0);
    const next = alloc('float32', BIG);
    expect(next.buffer).not.toBe(user.buffer);
    expect(user[0]).toBe(3);
  });

  it('gives one freed buffer out once, and honours the limit', () => {
    releasePool();
    const a = alloc('float32', BIG);
    freeStorage(wrap(a));
    const b = allocUninit('float32', BIG);
    const c = allocUninit('float32', BIG);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(b.buffer);
    setPoolLimit(4 * BIG);
    freeStorage(wrap(b));
    freeStorage(wrap(c)); // over the limit: dropped
    expect(poolBytes()).toBe(4 * BIG);
    setPoolLimit(0);
    expect(poolBytes()).toBe(0);
  });

  it('shows in memoryInfo and a training-style loop holds the pool steady', () => {
    releasePool();
    const impl = cpu({ wasm: false }).createSync!();
    const step = () => {
      const ids: CpuStorage[] = [];
      for (let i = 0; i < 5; i++) ids.push(wrap(alloc('float32', BIG * (i + 1))));
      for (const id of ids) impl.free(id);
    };
    step();
    const after1 = impl.memoryInfo!().pooledBytes;
    for (let i = 0; i < 20; i++) step();
    expect(after1).toBe(4 * BIG * 15);
    expect(impl.memoryInfo!().pooledBytes).toBe(after1);
  });
});
