import * as T from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { foldGroups } from '../src/wgsl/shader.js';
import { sizeClass } from '../src/buffer-pool.js';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { onBoth, useBackends, values, worstError } from './helpers.js';

describe('dispatch folding and size classes (pure functions)', () => {
  it('folds workgroup counts into 2-D/3-D within the per-dimension limit', () => {
    expect(foldGroups(10, 65535)).toEqual([10, 1, 1]);
    expect(foldGroups(10, 4)).toEqual([4, 3, 1]);
    expect(foldGroups(100, 4)).toEqual([4, 4, 4]); // capped: threads stride over the rest
    for (const [n, max] of [[1, 2], [70000, 65535], [1000, 7]]) {
      const [x, y, z] = foldGroups(n, max);
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(max);
      expect(x * y * z).toBeGreaterThanOrEqual(Math.min(n, max ** 3));
    }
  });

  it('rounds sizes up to classes with at most 25 % waste', () => {
    expect(sizeClass(0)).toBe(16);
    expect(sizeClass(5)).toBe(16);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1100)).toBe(1280);
    for (let b = 1; b < 1e7; b = Math.ceil(b * 1.37)) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      if (b > 256) expect(c / b).toBeLessThanOrEqual(1.25);
    }
  });
});

// A tiny cap on workgroups per dimension makes every kernel fold its dispatch (and
// matmul split its batch), on shapes small enough for SwiftShader.
describe.skipIf(unavailable !== null && !REQUIRE_GPU)('kernels with folded dispatches (max 2 workgroups per dimension)', () => {
  useBackends(testPlugin({ maxWorkgroupsPerDimension: 2 }));
  const cases: [string, { data: Float32Array; shape: number[] }[], (xs: T.Tensor[]) => T.Tensor][] = [
    ['elementwise, 3-D fold', [{ data: values(1000, 1), shape: [10, 100] }, { data: values(100, 2), shape: [100] }], ([a, b]) => T.mul(T.exp(a), b)],
    ['tree reduction over 9 rows', [{ data: values(9 * 300, 3), shape: [9, 300] }], ([a]) => T.sum(a, 1)],
    ['column reduction', [{ data: values(600, 4), shape: [3, 200] }], ([a]) => T.max(a, 0)],
    ['matmul: tiles and batches split over dispatches', [{ data: values(5 * 20 * 8, 5), shape: [5, 20, 8] }, { data: values(8 * 300, 6), shape: [8, 300] }], ([a, b]) => T.matmul(a, b)],
    ['softmax rows, a workgroup per row', [{ data: values(5 * 300, 10), shape: [5, 300] }], ([a]) => T.softmax(a)],
    ['transpose', [{ data: values(40 * 30, 7), shape: [40, 30] }], ([a]) => T.transpose(a)],
    ['conv2d', [{ data: values(2 * 3 * 9 * 9, 8), shape: [2, 3, 9, 9] }, { data: values(4 * 3 * 3 * 3, 9), shape: [4, 3, 3, 3] }], ([x, w]) => T.conv2d(x, w)],
  ];
  for (const [label, inputs, fn] of cases) {
    it(label, async () => {
      const r = await onBoth(inputs, fn);
      expect(worstError(r.gpu, r.cpu, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
    });
  }
});
