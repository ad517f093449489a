import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { gpuOf } from '../src/kernels/gpu-of.js';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends } from './helpers.js';

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('limits and device loss', () => {
  useBackends(testPlugin());

  it('a tensor above maxStorageBufferBindingSize is a BackendError naming the limit', () => {
    const gpu = gpuOf(T.getBackend('webgpu'));
    const limit = gpu.device.limits.maxStorageBufferBindingSize;
    expect(() => gpu.alloc('matmul', limit / 4 + 1, 'float32')).toThrow(/matmul.*maxStorageBufferBindingSize/);
  });

  it('after device loss, ops throw a BackendError that says to init() again', async () => {
    const x = T.tensor([1, 2, 3], { backend: 'webgpu' });
    gpuOf(T.getBackend('webgpu')).device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => x.add(1)).toThrow(T.BackendError);
    expect(() => x.add(1)).toThrow(/device was lost.*init\(\)/);
    await expect(x.data()).rejects.toThrow(T.BackendError);
    x.dispose();
  });
});
