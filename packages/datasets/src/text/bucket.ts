import { DataError } from '@tessera/core';
import { keyedPermutation } from '../dataset.js';

/** Options of {@link bucketedBatches}. */
export interface BucketOptions {
  /** Sequences per batch (the last batch of each window may be short). */
  readonly batchSize: number;
  /** Batches per sorting window (default 50); 1 gives plain shuffled batches. */
  readonly window?: number;
  /** The two keys of the shuffle (e.g. the run's seed and the epoch): the batches are a pure function of them. */
  readonly key: readonly [number, number];
}

/**
 * Batches of indices 0..n−1 grouped by length ("bucketing"), so a padded batch wastes
 * little: the indices are shuffled by `key`, cut into windows of `window·batchSize`, each
 * window is sorted by `lengths` (ties keep the shuffled order) and cut into batches, and
 * the batches are shuffled again. Every index appears in exactly one batch; a new key
 * gives new batches each epoch.
 *
 * @example
 * const lengths = pairs.map((p) => Math.max(p.src.length, p.tgt.length));
 * for (const idx of bucketedBatches(lengths, { batchSize: 128, key: [seed, epoch] })) train(ds.getBatch(idx));
 */
export function bucketedBatches(lengths: readonly number[], opts: BucketOptions): number[][] {
  const { batchSize, window = 50, key } = opts;
  if (!(Number.isInteger(batchSize) && batchSize >= 1) || !(Number.isInteger(window) && window >= 1))
    throw new DataError(`bucketedBatches: batchSize (${batchSize}) and window (${window}) must be positive integers.`);
  const n = lengths.length;
  const perm = keyedPermutation(n, key[0] >>> 0, (key[1] * 2 + 0x6275) >>> 0);
  const span = window * batchSize;
  const batches: number[][] = [];
  for (let w = 0; w < n; w += span) {
    const part = Array.from(perm.subarray(w, Math.min(n, w + span)));
    part.sort((a, b) => lengths[a]! - lengths[b]!); // stable: ties stay shuffled
    for (let i = 0; i < part.length; i += batchSize) batches.push(part.slice(i, i + batchSize));
  }
  const order = keyedPermutation(batches.length, key[0] >>> 0, (key[1] * 2 + 0x6276) >>> 0);
  return Array.from(order, (i) => batches[i]!);
}
