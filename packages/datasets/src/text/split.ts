import { DataError } from '@tessera/core';
import { keyedPermutation } from '../dataset.js';

/** Options of {@link splitByKey}. */
export interface TextSplitOptions {
  /** The split's seed (default 0): the same seed and data give the same split on every machine. */
  readonly seed?: number;
  /** Fraction of keys held out for validation (default 0.05). */
  readonly validation?: number;
  /** Fraction of keys held out for the test (default 0.05). */
  readonly test?: number;
}

/** The three parts of a {@link splitByKey}. */
export interface TextSplit<T> {
  readonly train: T[];
  readonly validation: T[];
  readonly test: T[];
}

/**
 * A fixed seeded train/validation/test split in which every item with the same key lands in
 * the same part (CMUdict: all pronunciations of a word; names: each name once). The distinct
 * keys are sorted, permuted by the counter RNG under `seed`, and cut by the fractions, so the
 * split depends only on the data and the seed, never on the input's order or the global seed.
 *
 * @example
 * const { train, validation, test } = splitByKey(entries, (e) => e.word, { seed: 0 });
 */
export function splitByKey<T>(items: readonly T[], key: (item: T) => string, opts: TextSplitOptions = {}): TextSplit<T> {
  const { seed = 0, validation = 0.05, test = 0.05 } = opts;
  for (const [name, f] of [['validation', validation], ['test', test]] as const) {
    if (!(f >= 0 && f < 1)) throw new DataError(`splitByKey: ${name} must be a fraction in [0, 1) but got ${f}.`);
  }
  if (validation + test >= 1)
    throw new DataError(`splitByKey: validation ${validation} + test ${test} leave nothing to train on; keep their sum below 1.`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new DataError(`splitByKey: seed must be an integer in [0, 2³²) but got ${seed}.`);
  const keys = [...new Set(items.map(key))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const perm = keyedPermutation(keys.length, seed, 0x73706c74);
  const nVal = Math.round(keys.length * validation);
  const nTest = Math.round(keys.length * test);
  const part = new Map<string, 0 | 1 | 2>();
  perm.forEach((k, rank) => part.set(keys[k]!, rank < nTest ? 2 : rank < nTest + nVal ? 1 : 0));
  const out: TextSplit<T> = { train: [], validation: [], test: [] };
  const parts = [out.train, out.validation, out.test];
  for (const item of items) parts[part.get(key(item))!]!.push(item);
  return out;
}
