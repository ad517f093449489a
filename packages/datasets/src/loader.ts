import { DataError, dispose, isTensor, keep, tidy, type Tensor } from '@tessera/core';
import { randomPermutation, type Dataset } from './dataset.js';

/** Options of a `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Examples per batch (default 1). */
  readonly batchSize?: number;
  /** Reshuffle every epoch with the seeded generator (`manualSeed`). Default false. */
  readonly shuffle?: boolean;
  /** Drop the last batch if it is smaller than `batchSize`. Default false. */
  readonly dropLast?: boolean;
  /** Build the next batch while the current one is used. Default true. */
  readonly prefetch?: boolean;
  /** Backend for the batch tensors; default: the default backend. */
  readonly backend?: string;
  /**
   * Dispose each batch's tensors when the iterator moves on (or stops). Default true, so an
   * epoch leaks nothing; `keep`/clone what you need, or set false to own every batch.
   */
  readonly disposeBatches?: boolean;
  /** Applied to each batch inside `tidy` (e.g. `({ x, y }) => ({ x: randomHorizontalFlip(x), y })`). */
  readonly transform?: (batch: B) => B;
  /** Builds a batch from examples when the dataset has no `getBatch`. */
  readonly collate?: (examples: T[]) => B;
}

function keepAll(value: unknown): void {
  const seen = new Set<Tensor>();
  const walk = (v: unknown): void => {
    if (isTensor(v)) seen.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v instanceof Map) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  for (const t of seen) keep(t);
}

/**
 * Iterates a dataset in batches: `for await (const { x, y } of loader)`. Each iteration
 * over the loader is one epoch (a fresh permutation when `shuffle`).
 */
export class DataLoader<T, B> implements AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly prefetch: boolean;
  readonly disposeBatches: boolean;

  constructor(
    readonly dataset: Dataset<T, B>,
    readonly options: DataLoaderOptions<T, B> = {},
  ) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new DataError(`DataLoader: batchSize must be a positive integer (got ${options.batchSize}).`);
    }
    if (!dataset.getBatch && !options.collate) {
      throw new DataError('DataLoader: the dataset has no getBatch(); pass a collate(examples) function.');
    }
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = options.prefetch ?? true;
    this.disposeBatches = options.disposeBatches ?? true;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The example order of one epoch (draws a permutation when shuffling). */
  epochOrder(): Int32Array {
    if (this.shuffle) return randomPermutation(this.dataset.length);
    const order = new Int32Array(this.dataset.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order;
  }

  private build(indices: readonly number[]): B {
    const batch = tidy(() => {
      const raw = this.dataset.getBatch
        ? this.dataset.getBatch(indices, { backend: this.options.backend })
        : this.options.collate!(indices.map((i) => this.dataset.get(i)));
      return this.options.transform ? this.options.transform(raw) : raw;
    });
    // The loader (or, with disposeBatches false, the caller) owns batches, not whatever
    // tidy scope happens to be active while they are built.
    keepAll(batch);
    return batch;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const order = this.epochOrder();
    const count = this.length;
    const bs = this.batchSize;
    const slice = (b: number): number[] => Array.from(order.subarray(b * bs, Math.min(order.length, (b + 1) * bs)));
    let next: Promise<B> | undefined;
    let current: B | undefined;
    try {
      for (let b = 0; b < count; b++) {
        const batch = next ? await next : this.build(slice(b));
        next = undefined;
        if (this.prefetch && b + 1 < count) {
          const nb = b + 1;
          next = Promise.resolve().then(() => this.build(slice(nb)));
          next.catch(() => undefined); // surfaced when awaited, not as an unhandled rejection
        }
        current = batch;
        yield batch;
        if (this.disposeBatches) dispose(current);
        current = undefined;
      }
    } finally {
      if (this.disposeBatches && current !== undefined) dispose(current);
      if (next) {
        // Stopped early: the prefetched batch was never handed out.
        const pending = next;
        next = undefined;
        try {
          dispose(await pending);
        } catch {
          // the error of a batch nobody asked for is dropped with it
        }
      }
    }
  }
}
