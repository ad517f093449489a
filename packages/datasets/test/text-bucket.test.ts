import { DataError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { bucketedBatches } from '../src/index.js';

/** Lengths 1..20 in a scrambled order (a fixed pattern, no RNG). */
const lengths = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 37) % 20));
const padWaste = (batches: number[][]) => {
  let real = 0;
  let padded = 0;
  for (const b of batches) {
    const ls = b.map((i) => lengths[i]!);
    real += ls.reduce((s, l) => s + l, 0);
    padded += Math.max(...ls) * ls.length;
  }
  return 1 - real / padded;
};

describe('bucketedBatches', () => {
  it('puts every index in exactly one batch of at most batchSize', () => {
    const batches = bucketedBatches(lengths, { batchSize: 32, window: 5, key: [3, 1] });
    expect(batches.every((b) => b.length >= 1 && b.length <= 32)).toBe(true);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  it('pads far less than shuffled batches, and a window of 1 gives plain shuffled batches', () => {
    const bucketed = padWaste(bucketedBatches(lengths, { batchSize: 32, window: 10, key: [0, 1] }));
    const plain = padWaste(bucketedBatches(lengths, { batchSize: 32, window: 1, key: [0, 1] }));
    expect(plain).toBeGreaterThan(0.35); // lengths 1..20, padded to a batch's longest (≈ 20)
    expect(bucketed).toBeLessThan(0.15); // a batch spans about two lengths
    // Within a batch of window 1 the order is sorted, but the members are the shuffled ones: not length-grouped.
    const first = bucketedBatches(lengths, { batchSize: 32, window: 1, key: [0, 1] })[0]!.map((i) => lengths[i]!);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(10);
  });

  it('is a pure function of the key: same key, same batches; another epoch, other batches', () => {
    const a = bucketedBatches(lengths, { batchSize: 16, key: [7, 2] });
    expect(bucketedBatches(lengths, { batchSize: 16, key: [7, 2] })).toEqual(a);
    expect(bucketedBatches(lengths, { batchSize: 16, key: [7, 3] })).not.toEqual(a);
    expect(bucketedBatches(lengths, { batchSize: 16, key: [8, 2] })).not.toEqual(a);
  });

  it('rejects a batch size or window that is not a positive integer', () => {
    expect(() => bucketedBatches(lengths, { batchSize: 0, key: [0, 0] })).toThrow(DataError);
    expect(() => bucketedBatches(lengths, { batchSize: 4, window: 1.5, key: [0, 0] })).toThrow(/bucketedBatches: batchSize \(4\) and window \(1.5\)/);
  });
});
