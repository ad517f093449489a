import { describe, expect, it } from 'vitest';
import { resizeArea, resizeCenterCrop } from '../src/index.js';

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

describe('resizeCenterCrop', () => {
  it('keeps the aspect ratio: a 4×8 image to 2×2 is halved to 2×4, then its middle two columns are kept', () => {
    // value = 10·channel + 8·row + column
    const data = Float32Array.from({ length: 2 * 4 * 8 }, (_, i) => 10 * Math.floor(i / 32) + (i % 32));
    const r = resizeCenterCrop({ data, shape: [2, 4, 8] }, 2, 2);
    expect(r.shape).toEqual([2, 2, 2]);
    // Halving averages 2×2 blocks; columns 2–3 and 4–5 of the source are the middle of 2×4.
    const block = (ch: number, y: number, x: number): number => 10 * ch + 8 * (2 * y + 0.5) + (2 * x + 0.5);
    expect(Array.from(r.data)).toEqual([block(0, 0, 1), block(0, 0, 2), block(0, 1, 1), block(0, 1, 2), block(1, 0, 1), block(1, 0, 2), block(1, 1, 1), block(1, 1, 2)]);
  });
  it('a tall image loses its top and bottom; a same-ratio image is only resized', () => {
    const tall = Float32Array.from({ length: 6 * 2 }, (_, i) => Math.floor(i / 2));
    expect(Array.from(resizeCenterCrop({ data: tall, shape: [1, 6, 2] }, 2, 2).data)).toEqual([2, 2, 3, 3]);
    const sq = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(resizeCenterCrop({ data: sq, shape: [1, 4, 4] }, 2, 2).data).toEqual(resizeArea(sq, 4, 4, 2, 2));
  });
});
