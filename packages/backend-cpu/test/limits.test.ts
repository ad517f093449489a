import { describe, expect, it } from 'vitest';
import { BackendError, init, matmul, memory, ones, use } from '@tessera/core';
import { cpu } from '../src/index.js';

use(cpu({ wasm: true, name: 'cpu-limits' }));
await init({ backends: ['cpu-limits'] });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('outputs that cannot fit are refused before allocating', () => {
  it('a float32 matmul with a 2 GiB output (wasm GEMM) is a BackendError naming the op and the shape', () => {
    const a = ones([32768, 1]);
    const b = ones([1, 16384]);
    const before = memory().backends['cpu-limits'];
    const err = thrown(() => matmul(a, b));
    expect(err).toBeInstanceOf(BackendError);
    expect(String(err)).toMatch(/cpu: matmul with output \[1, 32768, 16384\] \(float32, 536870912 elements\): the output needs 2147483648 bytes of WebAssembly memory, at most 2147483647/);
    const after = memory().backends['cpu-limits'];
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numTensors).toBe(before.numTensors);
    a.dispose();
    b.dispose();
  });

  it('a float64 matmul of more than 2³¹ − 1 output elements (TypeScript kernel) is refused too', () => {
    const a = ones([65536, 1], { dtype: 'float64' });
    const b = ones([1, 65536], { dtype: 'float64' });
    const err = thrown(() => matmul(a, b));
    expect(err).toBeInstanceOf(BackendError);
    expect(String(err)).toMatch(/cpu: matmul with output \[1, 65536, 65536\] \(float64, 4294967296 elements\): more than the 2147483647 elements/);
    a.dispose();
    b.dispose();
  });
});
