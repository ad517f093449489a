import { DataError, nextKey, uniformAt, type Tensor } from '@tessera/core';

/** Where and how a batch is built. */
export interface BatchOptions {
  /** Backend name for the batch tensors; default: the default backend. */
  readonly backend?: string;
}

/**
 * A random-access collection of examples. `get(i)` returns one example; `getBatch`
 * (optional) builds a whole batch of tensors at once, which is what `DataLoader` uses.
 */
export interface Dataset<T = unknown, B = unknown> {
  readonly length: number;
  get(i: number): T;
  getBatch?(indices: readonly number[], opts?: BatchOptions): B;
}

/** A record of tensors: what the built-in datasets produce per batch. */
export type TensorBatch<K extends string = string> = { [P in K]: Tensor };

/** @internal checks an index against a length */
export function checkIndex(i: number, length: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new RangeError(`${what}: index ${i} is out of range for a dataset of length ${length}.`);
  }
}

/**
 * A random permutation of 0..n-1 from the global seeded generator (`manualSeed` makes it
 * reproducible). Fisher–Yates over the counter RNG; one key per call.
 */
export function randomPermutation(n: number): Int32Array {
  const [k0, k1] = nextKey();
  return keyedPermutation(n, k0, k1);
}

/**
 * The permutation of 0..n-1 that key (k0, k1) selects: Fisher–Yates over the counter
 * RNG, so it is a pure function of n and the key (no global state is read or advanced).
 */
export function keyedPermutation(n: number, k0: number, k1: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // Two 24-bit draws give 48 bits, so the index is unbiased for any practical n.
    const u =
      (Math.floor(uniformAt(k0, k1, 2 * i) * 16777216) * 16777216 + Math.floor(uniformAt(k0, k1, 2 * i + 1) * 16777216)) / 281474976710656;
    const j = Math.floor(u * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/** A view of `dataset` restricted to `indices` (in that order). */
export class Subset<T, B> implements Dataset<T, B> {
  readonly indices: Int32Array;
  readonly getBatch?: (indices: readonly number[], opts?: BatchOptions) => B;

  constructor(
    readonly dataset: Dataset<T, B>,
    indices: ArrayLike<number>,
  ) {
    this.indices = Int32Array.from(indices);
    for (const i of this.indices) checkIndex(i, dataset.length, 'subset');
    if (dataset.getBatch) {
      const inner = dataset.getBatch.bind(dataset);
      this.getBatch = (idx, opts) => {
        const mapped = idx.map((i) => {
          checkIndex(i, this.indices.length, 'subset.getBatch');
          return this.indices[i];
        });
        return inner(mapped, opts);
      };
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(i: number): T {
    checkIndex(i, this.indices.length, 'subset.get');
    return this.dataset.get(this.indices[i]);
  }
}

/** `dataset` restricted to `indices`. */
export function subset<T, B>(dataset: Dataset<T, B>, indices: ArrayLike<number>): Subset<T, B> {
  return new Subset(dataset, indices);
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split).
 * `lengths` are counts summing to the dataset length, or fractions summing to 1 (the
 * remainder after flooring goes to the first parts, one each). Seeded by `manualSeed`.
 */
export function randomSplit<T, B>(dataset: Dataset<T, B>, lengths: readonly number[]): Subset<T, B>[] {
  const n = dataset.length;
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.some((l) => !(l >= 0))) throw new DataError(`randomSplit: lengths must be non-negative (got [${lengths.join(', ')}]).`);
  if (lengths.every((l) => Number.isInteger(l)) && total === n) {
    counts = [...lengths];
  } else if (Math.abs(total - 1) < 1e-6 && lengths.every((l) => l <= 1)) {
    counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  } else {
    throw new DataError(
      `randomSplit: lengths [${lengths.join(', ')}] must be counts summing to the dataset length ${n} or fractions summing to 1.`,
    );
  }
  const perm = randomPermutation(n);
  const out: Subset<T, B>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.subarray(start, start + c)));
    start += c;
  }
  return out;
}
