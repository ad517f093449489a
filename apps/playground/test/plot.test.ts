import { describe, expect, it } from 'vitest';
import { ticks } from '../src/ui/plot.js';

describe('plot axis ticks', () => {
  it('are round numbers (1, 2 or 5 × 10ⁿ apart) covering the range', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0, 2.3)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(ticks(0, 8000)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(ticks(0.13, 0.61)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6]);
  });

  it('give one tick for an empty range', () => {
    expect(ticks(3, 3)).toEqual([3]);
  });
});
