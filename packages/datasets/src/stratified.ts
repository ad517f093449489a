import { DataError, mix32 } from '@tessera/core';
import { keyedPermutation } from './dataset.js';

/** Indices of a stratified train/validation split (each list ascending). */
export interface StratifiedSplit {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/** Salt of the split's key, so a split never draws the same numbers as `manualSeed(seed)`'s ops. */
const SPLIT_SALT = 0x5a17c0de;

/**
 * Holds out `fraction` of the examples as a validation set, stratified by class: every
 * class gives round-to-nearest of its share (largest remainders first, so the total is
 * `round(fraction · n)`, at least 1 when `fraction > 0`), chosen at random. The split is a
 * pure function of `(labels, fraction, seed)` — it neither reads nor advances the global
 * generator — so a resumed run rebuilds exactly the same split from its recorded seed.
 *
 * @example
 * const { train, validation } = stratifiedSplit(mnist.labels, 0.1, 42);
 * const trainSet = subset(mnist, train);
 * const valSet = subset(mnist, validation);
 */
export function stratifiedSplit(labels: ArrayLike<number>, fraction: number, seed: number): StratifiedSplit {
  const n = labels.length;
  if (!(fraction >= 0 && fraction < 1)) throw new DataError(`stratifiedSplit: fraction must be in [0, 1) but got ${fraction}.`);
  const byClass = new Map<number, number>();
  for (let i = 0; i < n; i++) byClass.set(labels[i], (byClass.get(labels[i]) ?? 0) + 1);
  const want = fraction === 0 ? 0 : Math.max(1, Math.round(fraction * n));
  if (want >= n) {
    throw new DataError(
      `stratifiedSplit: holding out ${want} of ${n} examples leaves none to train on; use a smaller fraction or more data.`,
    );
  }
  const quota = classQuotas(byClass, fraction * n, want);
  const perm = keyedPermutation(n, mix32(Math.trunc(seed) >>> 0), SPLIT_SALT);
  const isVal = new Uint8Array(n);
  for (const i of perm) {
    const q = quota.get(labels[i]) ?? 0;
    if (q > 0) {
      isVal[i] = 1;
      quota.set(labels[i], q - 1);
    }
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < n; i++) (isVal[i] ? validation : train).push(i);
  return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

/** Per-class counts proportional to each class's size, summing to `want` (largest remainder method). */
function classQuotas(sizes: ReadonlyMap<number, number>, exact: number, want: number): Map<number, number> {
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const shares = [...sizes].map(([label, size]) => ({ label, size, share: total ? (exact * size) / total : 0 }));
  const quota = new Map(shares.map((s) => [s.label, Math.min(s.size, Math.floor(s.share))]));
  let rest = want - [...quota.values()].reduce((a, b) => a + b, 0);
  // Largest remainder first; ties by label, so the quotas never depend on the map's order.
  const order = [...shares].sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)) || a.label - b.label);
  for (let k = 0; rest > 0 && order.length > 0; k = (k + 1) % order.length) {
    const s = order[k];
    const q = quota.get(s.label) ?? 0;
    if (q < s.size) {
      quota.set(s.label, q + 1);
      rest--;
    }
  }
  return quota;
}
