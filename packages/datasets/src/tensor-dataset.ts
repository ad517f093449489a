import { DataError, Tensor, fmtShape, tensor, tidy } from '@tessera/core';
import { checkIndex, type BatchOptions, type Dataset, type TensorBatch } from './dataset.js';

/** Raw rows in host memory. `Uint8Array` (images) becomes float32 scaled by `scale` when batched. */
export interface ArrayColumn {
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array | Uint8ClampedArray;
  /** Full shape, first axis = examples. */
  readonly shape: readonly number[];
  /** Multiplier applied to uint8 data when a batch is built; default 1/255. */
  readonly scale?: number;
}

/** A column: a tensor (first axis = examples) or raw rows. */
export type Column = Tensor | ArrayColumn;

function columnLength(c: Column): number {
  return c instanceof Tensor ? (c.rank === 0 ? 0 : c.shape[0]) : c.shape[0];
}

/** @internal gathers rows of a host array into a new batch tensor */
export function gatherRows(
  c: ArrayColumn,
  indices: readonly number[],
  opts: BatchOptions | undefined,
  name: string,
): Tensor {
  const rowShape = c.shape.slice(1);
  let row = 1;
  for (const d of rowShape) row *= d;
  const b = indices.length;
  const shape = [b, ...rowShape];
  const src = c.data;
  if (src instanceof Uint8Array || src instanceof Uint8ClampedArray) {
    const scale = c.scale ?? 1 / 255;
    const out = new Float32Array(b * row);
    for (let k = 0; k < b; k++) {
      const off = indices[k] * row;
      for (let j = 0; j < row; j++) out[k * row + j] = src[off + j] * scale;
    }
    return tensor(out, { shape, dtype: 'float32', backend: opts?.backend });
  }
  const Ctor = src.constructor as new (n: number) => Float32Array | Float64Array | Int32Array;
  const out = new Ctor(b * row);
  for (let k = 0; k < b; k++) out.set(src.subarray(indices[k] * row, indices[k] * row + row), k * row);
  void name;
  return tensor(out, { shape, backend: opts?.backend });
}

/**
 * Examples stored column-wise: `new TensorDataset({ x: images, y: labels })`. Each column is
 * a tensor or host rows (`{ data, shape }`); all must have the same first dimension.
 * `get(i)` and `getBatch(indices)` return a record of new tensors (the caller owns them).
 */
export class TensorDataset<K extends string = string> implements Dataset<TensorBatch<K>, TensorBatch<K>> {
  readonly length: number;

  constructor(readonly columns: { readonly [P in K]: Column }) {
    const names = Object.keys(columns) as K[];
    if (names.length === 0) throw new DataError('TensorDataset: give at least one column, e.g. { x, y }.');
    this.length = columnLength(columns[names[0]]);
    for (const n of names) {
      const c = columns[n];
      if (!(c instanceof Tensor)) {
        let size = 1;
        for (const d of c.shape) size *= d;
        if (size !== c.data.length) {
          throw new DataError(`TensorDataset: column '${n}' has ${c.data.length} values but shape ${fmtShape(c.shape)} needs ${size}.`);
        }
      }
      const len = columnLength(c);
      if (len !== this.length) {
        throw new DataError(
          `TensorDataset: column '${n}' has ${len} examples but '${names[0]}' has ${this.length}; every column needs the same first ` +
            `dimension.`,
        );
      }
    }
  }

  get(i: number): TensorBatch<K> {
    checkIndex(i, this.length, 'TensorDataset.get');
    return tidy(() => {
      const b = this.getBatch([i]);
      const out = {} as TensorBatch<K>;
      for (const k of Object.keys(b) as K[]) out[k] = b[k].reshape(b[k].shape.slice(1));
      return out;
    });
  }

  getBatch(indices: readonly number[], opts?: BatchOptions): TensorBatch<K> {
    for (const i of indices) checkIndex(i, this.length, 'TensorDataset.getBatch');
    const out = {} as TensorBatch<K>;
    for (const k of Object.keys(this.columns) as K[]) {
      const c = this.columns[k];
      if (c instanceof Tensor) {
        out[k] = tidy(() => {
          const idx = tensor(Int32Array.from(indices), { dtype: 'int32', backend: c.backend });
          const sel = c.indexSelect(0, idx);
          return opts?.backend && opts.backend !== c.backend ? sel.to(opts.backend) : sel;
        });
      } else {
        out[k] = gatherRows(c, indices, opts, k);
      }
    }
    return out;
  }
}
