import { ConfigError, ShapeError, type Tensor, fmtShape, isTensor, tensor } from '@tessera/core';
import { DataLoader, randomPermutation, stratifiedSplit } from '@tessera/datasets';

/** One training batch: the model's input(s) and the target. */
export interface Batch {
  readonly x: Tensor | readonly Tensor[];
  readonly y: Tensor;
}

/** Whole arrays as tensors (Keras' `fit(x, y)`), split into batches by `fit`. */
export interface ArrayData {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * What `fit`/`evaluate` accept: `{ x, y }` tensors (batched for you), or any (async)
 * iterable of batches such as a `DataLoader` — each batch `{ x, y }` or `[x, y]`.
 */
export type DataSource = ArrayData | AsyncIterable<unknown> | Iterable<unknown>;

/** @internal A source ready to iterate once per epoch. */
export interface Epochs {
  /** Batches of one epoch. */
  batches(): AsyncIterable<unknown>;
  /** Batches per epoch, when known (progress ETA). */
  readonly numBatches: number | null;
}

function isArrayData(d: unknown): d is ArrayData {
  return typeof d === 'object' && d !== null && isTensor((d as ArrayData).x) && isTensor((d as ArrayData).y);
}

/** @internal Normalises one batch to `{ x, y }` (a `RowBatch` stays as it is). */
export function toBatch(b: unknown, who: string): Batch | RowBatch {
  if (b instanceof RowBatch) return b;
  if (Array.isArray(b) && b.length === 2 && isTensor(b[1])) return { x: b[0] as Tensor, y: b[1] as Tensor };
  if (typeof b === 'object' && b !== null && 'x' in b && 'y' in b && isTensor((b as Batch).y)) return b as Batch;
  throw new ConfigError(`${who}: each batch must be { x, y } or [x, y] of tensors; got ` +
    `${typeof b === 'object' && b ? `an object with keys ${Object.keys(b).join(', ')}` : String(b)}.`);
}

/** @internal A batch's model input(s) as a list (one tensor, or the inputs of a multi-input model). */
export function inputList(x: Tensor | readonly Tensor[]): Tensor[] {
  return isTensor(x) ? [x] : [...x];
}

/** @internal Number of examples in a batch. */
export function batchSizeOf(b: Batch | RowBatch): number {
  if (b instanceof RowBatch) return b.size;
  return (isTensor(b.x) ? b.x : b.x[0]).shape[0];
}

/**
 * @internal A batch of `{ x, y }` tensor data named by its rows: `fit` and `evaluate` select
 * the rows inside their (compiled) step, so a batch costs one small upload of indices and
 * no separate gather kernels.
 */
export class RowBatch {
  constructor(
    readonly x: Tensor,
    readonly y: Tensor,
    /** Row indices, int32 [size], on x's backend. */
    readonly rows: Tensor,
  ) {}
  get size(): number {
    return this.rows.shape[0];
  }
}

/** @internal Batches of row indices over `{ x, y }`, in a seeded shuffled order (the order a `DataLoader` over a `TensorDataset` draws). */
function loaderFor(data: ArrayData, batchSize: number, shuffle: boolean): Epochs {
  const n = data.x.shape[0];
  if (n !== data.y.shape[0]) {
    throw new ShapeError(`fit: x has ${n} examples ${fmtShape(data.x.shape)} but y has ${data.y.shape[0]} ${fmtShape(data.y.shape)}.`);
  }
  const numBatches = Math.ceil(n / batchSize);
  async function* batches(): AsyncGenerator<RowBatch> {
    const order = shuffle ? randomPermutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < numBatches; b++) {
      const rows = tensor(order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize)), { dtype: 'int32', backend: data.x.backend });
      try {
        yield new RowBatch(data.x, data.y, rows);
      } finally {
        rows.dispose();
      }
    }
  }
  return { batches, numBatches };
}

/** @internal Turns any data source into per-epoch batches. */
export function epochsOf(data: DataSource, batchSize: number, shuffle: boolean): Epochs {
  if (isArrayData(data)) return loaderFor(data, batchSize, shuffle);
  const it = data as AsyncIterable<unknown> | Iterable<unknown>;
  const loaderLen = data instanceof DataLoader ? data.length : null;
  return {
    batches: () => (Symbol.asyncIterator in it ? it : toAsync(it as Iterable<unknown>)),
    numBatches: loaderLen,
  };
}

async function* toAsync<T>(it: Iterable<T>): AsyncGenerator<T> {
  yield* it;
}

/**
 * @internal `fit`'s validationSplit: `fraction` of the examples held out, chosen at random
 * with `seed` and, when the targets are class indices (int32, one per example), stratified
 * by class (`stratifiedSplit`), so a dataset sorted by class still validates on every
 * class. (Keras takes the last fraction unshuffled instead.) Rows keep their order.
 */
export async function splitArrays(data: ArrayData, fraction: number, seed = 0): Promise<{ train: ArrayData; val: ArrayData }> {
  if (!(fraction > 0 && fraction < 1)) throw new ConfigError(`fit: validationSplit must be in (0, 1) but got ${fraction}.`);
  const n = data.x.shape[0];
  if (data.y.shape[0] !== n)
    throw new ShapeError(
      `fit: x has ${n} examples but y has ${data.y.shape[0]} (y ${fmtShape(data.y.shape)}); pass one target per example.`,
    );
  const classes = data.y.dtype === 'int32' && data.y.rank === 1;
  const labels = classes ? Int32Array.from(await data.y.data()) : new Int32Array(n);
  let split: { train: Int32Array; validation: Int32Array };
  try {
    split = stratifiedSplit(labels, fraction, seed);
  } catch (e) {
    throw new ConfigError(`fit: validationSplit ${fraction} of ${n} examples: ${(e as Error).message}`);
  }
  const rows = (idx: Int32Array): ArrayData => {
    const i = tensor(idx, { dtype: 'int32', backend: data.x.backend });
    try {
      return { x: data.x.indexSelect(0, i), y: data.y.indexSelect(0, i) };
    } finally {
      i.dispose();
    }
  };
  return { train: rows(split.train), val: rows(split.validation) };
}
