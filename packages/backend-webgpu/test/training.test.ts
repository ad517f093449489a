import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import type { WebGpuMemoryInfo } from '../src/index.js';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values } from './helpers.js';

const STEPS = 1000;

/** GPU bytes held by the backend: buffers of live tensors plus the pool. */
function gpuBytes(): { pooled: number; total: number } {
  const m = T.getBackend('webgpu').memoryInfo?.() as WebGpuMemoryInfo;
  return { pooled: m.pooledBytes, total: m.pooledBytes + m.inUseBytes };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('a 1,000-step training loop on webgpu', () => {
  useBackends(testPlugin());

  it('holds the tensor count and pooled bytes steady while the loss falls', async () => {
    const o = { backend: 'webgpu' };
    // y = sin(x₀) + x₁·x₂ − x₃ on 32 fixed points; a 4 → 16 → 1 tanh MLP, plain SGD.
    const xv = values(32 * 4, 21);
    const yv = Float32Array.from({ length: 32 }, (_, i) => Math.sin(xv[4 * i]) + xv[4 * i + 1] * xv[4 * i + 2] - xv[4 * i + 3]);
    const x = T.tensor(xv, { shape: [32, 4], ...o });
    const y = T.tensor(yv, { shape: [32, 1], ...o });
    T.manualSeed(5);
    let params: Tensor[] = T.tidy(() => [T.randn([4, 16], o).mul(0.5), T.zeros([16], o), T.randn([16, 1], o).mul(0.25), T.zeros([1], o)]);
    const lr = 0.1;
    const step = (): Tensor => {
      const [loss, next] = T.tidy(() => {
        const ps = params.map((p) => p.detach().requiresGrad_());
        const [w1, b1, w2, b2] = ps;
        const pred = T.add(T.matmul(T.tanh(T.add(T.matmul(x, w1), b1)), w2), b2);
        const l = T.mean(T.square(T.sub(pred, y)));
        const grads = T.gradients(l, ps);
        const updated = T.noGrad(() => ps.map((p, k) => T.sub(p, T.mul(grads[k], lr))));
        return [l.detach(), updated] as const;
      });
      T.dispose(params);
      params = [...next];
      return loss;
    };
    const counts: number[] = [];
    const pooled: number[] = [];
    let first = 0;
    let last = 0;
    for (let s = 1; s <= STEPS; s++) {
      const loss = step();
      // Read the loss now and then (a read submits the open encoder), as a real loop would.
      if (s === 1 || s % 50 === 0) {
        const v = (await loss.data())[0];
        if (s === 1) first = v;
        last = v;
      }
      loss.dispose();
      if (s === 1 || s === 100 || s === STEPS) {
        counts.push(T.memory().numTensors);
        pooled.push(gpuBytes().pooled);
      }
    }
    expect(counts[2]).toBe(counts[0]);
    // The pool settles within a few steps and then neither grows nor shrinks.
    expect(pooled[2]).toBe(pooled[1]);
    expect(gpuBytes().total).toBeLessThan(1 << 20);
    expect(last).toBeLessThan(first * 0.2);
    // Pooled buffers mostly repeat step after step, so most bind groups are reused (the
    // rest vary with where submits fall relative to the step).
    const { bindGroupHits, bindGroupMisses } = T.getBackend('webgpu').info?.() as { bindGroupHits: number; bindGroupMisses: number };
    expect(bindGroupHits).toBeGreaterThan(bindGroupMisses);
    T.dispose([x, y, ...params]);
  }, 300_000);
});
