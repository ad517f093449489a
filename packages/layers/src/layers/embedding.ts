import { describeModule } from '../config/record.js';
import { DTypeError, type Parameter, type Tensor, arange, noGrad, tidy, where } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { normal } from '../init.js';
import { type LayerOptions, makeParam, positive } from './common.js';
import { Module } from '../module.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends LayerOptions {
  /**
   * Index whose row is initialised to zeros and never receives a gradient (a padding
   * token). Negative values count from the end, as in PyTorch.
   */
  readonly paddingIdx?: number;
}

/**
 * A lookup table (PyTorch's `nn.Embedding`): int32 indices of any shape → their rows,
 * [...indices.shape, embeddingDim]. Parameter: `weight` [numEmbeddings, embeddingDim],
 * default init N(0, 1) (PyTorch's), with the `paddingIdx` row zeroed.
 * Indices must lie in [0, numEmbeddings); the backend's gather reports others (the CPU
 * throws naming the bad index).
 *
 * @example
 * const emb = new Embedding(10000, 64, { paddingIdx: 0 });
 * emb.call(tokens); // int32 [N, T] → [N, T, 64]
 */
export class Embedding extends Module {
  readonly weight: Parameter;
  readonly dtype: FloatDType;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    positive('Embedding', 'numEmbeddings', numEmbeddings);
    positive('Embedding', 'embeddingDim', embeddingDim);
    const pi = opts.paddingIdx;
    if (pi !== undefined && (!Number.isInteger(pi) || pi >= numEmbeddings || pi < -numEmbeddings)) {
      throw new LayerConfigError(`Embedding: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}) but got ${pi}.`);
    }
    this.paddingIdx = pi === undefined ? null : pi < 0 ? pi + numEmbeddings : pi;
    this.dtype = opts.dtype ?? 'float32';
    this.weight = makeParam([numEmbeddings, embeddingDim], normal(0, 1), this.dtype);
    const row = this.paddingIdx;
    if (row !== null) {
      noGrad(() => {
        const zeroed = tidy(() => {
          const isPad = arange(numEmbeddings, undefined, 1, { dtype: 'int32' }).equal(row).reshape([numEmbeddings, 1]);
          return where(isPad, 0, this.weight);
        });
        this.weight.assign(zeroed);
        zeroed.dispose();
      });
    }
    describeModule(this, 'Embedding', [numEmbeddings, embeddingDim, opts], { owner: Embedding });
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') {
      throw new DTypeError(
        `Embedding(${this.numEmbeddings}, ${this.embeddingDim}): indices must be int32 but got ${indices.dtype}; cast them with ` +
          `.cast('int32').`,
      );
    }
    const row = this.paddingIdx;
    return tidy(() => {
      const flat = indices.reshape([indices.size]);
      const rows = this.weight.indexSelect(0, flat);
      // PyTorch never sends gradient to the padding row: its lookups are detached.
      const out = row === null ? rows : where(flat.equal(row).reshape([indices.size, 1]), rows.detach(), rows);
      return out.reshape([...indices.shape, this.embeddingDim]);
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
