import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { tuneMatmul } from '../src/index.js';
import { gpuOf } from '../src/kernels/gpu-of.js';
import { TILE_CANDIDATES, tileName } from '../src/kernels/tiles.js';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { onBoth, useBackends, values, worstError } from './helpers.js';

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('GEMM tiles', () => {
  useBackends(testPlugin());
  const gpu = () => gpuOf(T.getBackend('webgpu'));

  // Every tile candidate on ragged shapes (no dimension a multiple of any tile), for
  // matmul with transposes and batch broadcast, and for the three convolution GEMMs.
  for (const tile of TILE_CANDIDATES) {
    it(`tile ${tileName(tile)} matches the CPU`, async () => {
      gpu().tileOverride = tile;
      try {
        const a = { data: values(2 * 37 * 45, 1), shape: [2, 45, 37] };
        const b = { data: values(139 * 45, 2), shape: [139, 45] };
        const r = await onBoth([a, b], ([x, y]) => T.matmul(x, y, { transposeA: true, transposeB: true }));
        expect(worstError(r.gpu, r.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
        // Tile-aligned shapes take the variant without bounds checks.
        const a2 = { data: values(128 * 64, 11), shape: [128, 64] };
        const b2 = { data: values(64 * 128, 12), shape: [64, 128] };
        const r2 = await onBoth([a2, b2], ([x, y]) => T.matmul(x, y));
        expect(worstError(r2.gpu, r2.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
        const x = { data: values(2 * 4 * 9 * 10, 3), shape: [2, 4, 9, 10] };
        const w = { data: values(6 * 2 * 3 * 2, 4), shape: [6, 2, 3, 2] };
        for (const which of [-1, 0, 1]) {
          const g = await onBoth([x, w], ([t, k]) => {
            const conv = (u: T.Tensor, v: T.Tensor) => T.conv2d(u, v, { groups: 2, stride: [2, 1], padding: 1, dilation: [1, 2] });
            if (which < 0) return conv(t, k);
            t.requiresGrad_();
            k.requiresGrad_();
            return T.gradients(T.sum(T.square(conv(t, k))), [t, k])[which];
          });
          expect(worstError(g.gpu, g.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
        }
      } finally {
        gpu().tileOverride = null;
      }
    });
  }

  it('split-K: a long K with few output tiles is sliced, and the partials summed', async () => {
    const dispatches = () => T.getBackend('webgpu').info?.().dispatches as number;
    const aligned = await onBoth([{ data: values(32 * 4096, 13), shape: [32, 4096] }, { data: values(4096 * 32, 14), shape: [4096, 32] }], ([x, y]) => T.matmul(x, y));
    expect(worstError(aligned.gpu, aligned.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    const a = { data: values(8 * 5000, 7), shape: [8, 5000] };
    const b = { data: values(5000 * 9, 8), shape: [5000, 9] };
    const d0 = dispatches();
    const r = await onBoth([a, b], ([x, y]) => T.matmul(x, y));
    expect(dispatches() - d0).toBe(2); // sliced GEMM + the sum over slices
    expect(worstError(r.gpu, r.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
    // conv2d's filter gradient: K = N·Ho·Wo = 2·40·40.
    const x = { data: values(2 * 2 * 40 * 40, 9), shape: [2, 2, 40, 40] };
    const w = { data: values(3 * 2 * 3 * 3, 10), shape: [3, 2, 3, 3] };
    const g = await onBoth([x, w], ([t, k]) => T.gradients(T.sum(T.conv2d(t, k.requiresGrad_(), { padding: 1 })), [k])[0]);
    expect(worstError(g.gpu, g.cpu, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
  });

  it('int32 matmul is exact', async () => {
    const a = { data: Int32Array.from(values(30 * 20, 5), (v) => Math.round(v * 100)), shape: [30, 20], dtype: 'int32' as const };
    const b = { data: Int32Array.from(values(20 * 70, 6), (v) => Math.round(v * 100)), shape: [20, 70], dtype: 'int32' as const };
    const r = await onBoth([a, b], ([x, y]) => T.matmul(x, y));
    expect(r.gpu).toEqual(r.cpu);
  });

  it('tuneMatmul times every candidate, then answers from its per-adapter cache', async () => {
    const first = await tuneMatmul('webgpu', { size: 64, repeats: 1 });
    expect(first.cached).toBe(false);
    expect(first.timings.map((t) => t.tile)).toEqual(TILE_CANDIDATES.map(tileName));
    expect(T.getBackend('webgpu').info?.().gemmTile).toBe(first.tile);
    const again = await tuneMatmul('webgpu', { size: 64 });
    expect(again).toMatchObject({ cached: true, tile: first.tile });
    expect(T.memory().backends.webgpu?.numTensors ?? 0).toBe(0);
  });
});
