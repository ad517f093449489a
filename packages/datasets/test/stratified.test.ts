import { describe, expect, it } from 'vitest';
import { DataError, manualSeed, nextKey } from '@tessera/core';
import { MNIST } from '../src/node.js';
import { stratifiedSplit } from '../src/index.js';

const counts = (labels: ArrayLike<number>, idx: ArrayLike<number>, classes: number): number[] => {
  const c = new Array<number>(classes).fill(0);
  for (let k = 0; k < idx.length; k++) c[labels[idx[k]]]++;
  return c;
};

describe('stratifiedSplit', () => {
  const { labels } = MNIST.sample({ split: 'train' });

  it('holds out 10 % of every class (within one example), disjoint, covering all indices', () => {
    const { train, validation } = stratifiedSplit(labels, 0.1, 7);
    expect(validation.length).toBe(Math.round(0.1 * labels.length));
    expect(train.length + validation.length).toBe(labels.length);
    const all = new Set([...train, ...validation]);
    expect(all.size).toBe(labels.length); // disjoint and complete
    const total = counts(labels, Array.from({ length: labels.length }, (_, i) => i), 10);
    const held = counts(labels, validation, 10);
    for (let c = 0; c < 10; c++) expect(Math.abs(held[c] - 0.1 * total[c]), `class ${c}`).toBeLessThanOrEqual(1);
  });

  it('is a pure function of the seed: same seed same split, other seed other split, global RNG untouched', () => {
    manualSeed(3);
    const before = nextKey();
    manualSeed(3);
    const a = stratifiedSplit(labels, 0.1, 42);
    expect(nextKey()).toEqual(before); // neither read nor advanced
    manualSeed(999);
    const b = stratifiedSplit(labels, 0.1, 42);
    expect(Array.from(b.validation)).toEqual(Array.from(a.validation));
    const c = stratifiedSplit(labels, 0.1, 43);
    const overlap = c.validation.filter((i) => a.validation.includes(i)).length;
    expect(overlap).toBeLessThan(a.validation.length / 2); // about 10 % overlap by chance
  });

  it('a rare class still gets its share; fraction 0 holds nothing out; impossible fractions are DataErrors', () => {
    const skewed = Int32Array.from([...Array(95).fill(0), ...Array(5).fill(1)]);
    const s = stratifiedSplit(skewed, 0.2, 1);
    expect(counts(skewed, s.validation, 2)).toEqual([19, 1]);
    expect(stratifiedSplit(skewed, 0, 1).validation.length).toBe(0);
    expect(stratifiedSplit(Int32Array.from([0, 1, 0]), 0.01, 1).validation.length).toBe(1); // at least one
    expect(() => stratifiedSplit(skewed, 1, 1)).toThrow(DataError);
    expect(() => stratifiedSplit(Int32Array.from([0]), 0.5, 1)).toThrow(/leaves none to train on/);
  });
});
