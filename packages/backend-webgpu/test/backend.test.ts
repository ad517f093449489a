import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { adapterInfo, warmup, type WebGpuMemoryInfo } from '../src/index.js';
import { HOW_TO_ENABLE, REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { onBoth, useBackends, values, worstError } from './helpers.js';

const skip = unavailable !== null && !REQUIRE_GPU;
if (skip) it.skip(HOW_TO_ENABLE, () => {});

describe.skipIf(skip)('webgpu backend', () => {
  useBackends(testPlugin());
  const gpuMemory = () => T.getBackend('webgpu').memoryInfo?.() as WebGpuMemoryInfo;
  const info = () => T.getBackend('webgpu').info?.() ?? {};

  it('reads asynchronously; dataSync throws a BackendError naming await t.data()', async () => {
    const t = T.tensor([1, 2, 3], { backend: 'webgpu' });
    expect(() => t.dataSync()).toThrow(T.BackendError);
    expect(() => t.dataSync()).toThrow(/await t\.data\(\)/);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
  });

  it('round-trips every dtype, empty tensors included', async () => {
    const f = T.tensor(new Float32Array([1.5, -2, Infinity]), { backend: 'webgpu' });
    const i = T.tensor(new Int32Array([-7, 2 ** 31 - 1]), { backend: 'webgpu' });
    const b = T.tensor([true, false, true], { backend: 'webgpu' });
    const e = T.zeros([0, 3], { backend: 'webgpu' });
    expect(Array.from(await f.data())).toEqual([1.5, -2, Infinity]);
    expect(Array.from(await i.data())).toEqual([-7, 2 ** 31 - 1]);
    expect(await b.data()).toEqual(new Uint8Array([1, 0, 1]));
    expect((await e.data()).length).toBe(0);
    expect(T.getBackend('webgpu').dtypes).not.toContain('float64');
    T.dispose([f, i, b, e]);
  });

  it('reports the adapter: vendor, limits, features incl. shader-f16', async () => {
    const r = await adapterInfo();
    expect(typeof r.vendor).toBe('string');
    expect(r.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    expect(r.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(r.shaderF16).toBe(r.features.includes('shader-f16'));
    expect(info()).toMatchObject({ backend: 'webgpu', shaderF16: r.shaderF16 });
  });

  it('pools freed buffers by size class and reuses them', async () => {
    const before = gpuMemory();
    const a = T.tensor(values(1000), { shape: [1000], backend: 'webgpu' });
    const y = a.mul(2);
    await y.data();
    T.dispose([a, y]);
    const mid = gpuMemory();
    expect(mid.pooledBytes).toBeGreaterThan(before.pooledBytes);
    const b = T.tensor(values(1000), { shape: [1000], backend: 'webgpu' });
    const z = b.mul(3);
    await z.data();
    T.dispose([b, z]);
    // Same sizes again: no new GPU buffers.
    expect(gpuMemory().buffers).toBe(mid.buffers);
    expect(T.memory().pooledBytes).toBe(gpuMemory().pooledBytes);
  });

  it('never reuses a buffer before the submit that last used it', async () => {
    const n = 256;
    const a = T.tensor(values(n, 3), { shape: [n], backend: 'webgpu' });
    const want = Array.from(await a.data(), (v) => v * 2);
    const submits = info().submits;
    const y = a.mul(2); // recorded in the open encoder, not yet submitted
    a.dispose(); // its buffer must wait for that submit
    const c = T.tensor(new Float32Array(n).fill(42), { backend: 'webgpu' }); // same size class
    expect(info().submits).toBe(submits);
    expect(Array.from(await y.data())).toEqual(want);
    expect((await c.data()).every((v) => v === 42)).toBe(true);
    T.dispose([y, c]);
  });

  it('batches dispatches: one submit per batch or per read', async () => {
    const x = T.tensor(values(64), { backend: 'webgpu' });
    const s0 = info().submits as number;
    const d0 = info().dispatches as number;
    let y = x;
    for (let i = 0; i < 40; i++) {
      const next = y.add(1);
      if (y !== x) y.dispose();
      y = next;
    }
    await y.data();
    const dispatches = (info().dispatches as number) - d0;
    const submits = (info().submits as number) - s0;
    expect(dispatches).toBe(40);
    // batchSize 16 in tests: 2 full batches + the read.
    expect(submits).toBe(3);
    T.dispose([x, y]);
  });

  it('matches the CPU on larger shapes (large GEMM tiles, all transposes)', async () => {
    const a = { data: values(96 * 80, 5), shape: [96, 80] };
    const b = { data: values(80 * 720, 6), shape: [80, 720] };
    const r = await onBoth([a, b], ([x, y]) => T.matmul(x, y));
    expect(worstError(r.gpu, r.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
    const bt = { data: values(720 * 80, 7), shape: [720, 80] };
    const at = { data: values(80 * 96, 8), shape: [80, 96] };
    const r2 = await onBoth([at, bt], ([x, y]) => T.matmul(x, y, { transposeA: true, transposeB: true }));
    expect(worstError(r2.gpu, r2.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
  });

  it('matches the CPU on long reductions (tree and two-pass)', async () => {
    const x = { data: values(20000, 9), shape: [20000] };
    for (const f of [(t: T.Tensor) => T.sum(t), (t: T.Tensor) => T.max(t), (t: T.Tensor) => T.min(t), (t: T.Tensor) => T.argmax(t)]) {
      const r = await onBoth([x], ([t]) => f(t));
      expect(worstError(r.gpu, r.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }
    const rows = { data: values(7 * 3000, 10), shape: [7, 3000] };
    for (const f of [(t: T.Tensor) => T.sum(t, 1), (t: T.Tensor) => T.argmin(t, 1), (t: T.Tensor) => T.prod(T.add(T.mul(t, 0.001), 1), 1)]) {
      const r = await onBoth([rows], ([t]) => f(t));
      expect(worstError(r.gpu, r.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }
  });

  it('matches the CPU on a convolution and its gradients (implicit GEMM)', async () => {
    const x = { data: values(2 * 6 * 12 * 11, 11), shape: [2, 6, 12, 11] };
    const w = { data: values(8 * 3 * 3 * 3, 12), shape: [8, 3, 3, 3] };
    const conv = (t: T.Tensor, k: T.Tensor) => T.conv2d(t, k, { stride: 2, padding: 1, groups: 2 });
    const r = await onBoth([x, w], ([t, k]) => conv(t, k));
    expect(worstError(r.gpu, r.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
    for (const which of [0, 1]) {
      const g = await onBoth([x, w], ([t, k]) => {
        t.requiresGrad_();
        k.requiresGrad_();
        return T.gradients(T.sum(T.square(conv(t, k))), [t, k])[which];
      });
      expect(worstError(g.gpu, g.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    }
  });

  it('random uniform is bit-identical to the CPU', async () => {
    const draw = async (backend: string) => {
      T.manualSeed(99);
      const t = T.rand([1000], { backend });
      const d = await t.data();
      t.dispose();
      return d;
    };
    expect(await draw('webgpu')).toEqual(await draw('cpu'));
  });

  it('warmup() compiles pipelines ahead of time and runs no GPU work', async () => {
    const d0 = info().dispatches;
    const rng = T.getRngState();
    const compiled = await warmup();
    expect(compiled).toBeGreaterThan(0);
    expect(info().dispatches).toBe(d0);
    expect(T.getRngState()).toEqual(rng);
    // Everything warmup made was disposed.
    expect(T.memory().backends.webgpu?.numTensors ?? 0).toBe(0);
  });
});
