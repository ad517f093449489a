import { describe, expect, it } from 'vitest';
import { resizeArea } from '../src/index.js';

describe('resizeArea', () => {
  it('averages 2×2 blocks when halving', () => {
    // 4×2 → 2×1: each output is the mean of a 2×2 block.
    expect(Array.from(resizeArea(Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7), 4, 2, 2, 1))).toEqual([2.5, 4.5]);
  });
  it('weights partial overlaps at non-integer ratios (3 → 2: thirds) and keeps the mean', () => {
    const out = resizeArea([3, 6, 9], 3, 1, 2, 1);
    expect(out[0]).toBeCloseTo((3 * 1 + 6 * 0.5) / 1.5, 5);
    expect(out[1]).toBeCloseTo((6 * 0.5 + 9 * 1) / 1.5, 5);
    expect((out[0] + out[1]) / 2).toBeCloseTo(6, 5);
  });
  it('spreads each pixel over the cells it covers when growing (1 → 3: every cell takes it)', () => {
    expect(Array.from(resizeArea([0.5, 1], 2, 1, 4, 1))).toEqual([0.5, 0.5, 1, 1]);
  });
});
