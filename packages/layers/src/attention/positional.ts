import { type Parameter, ShapeError, type Tensor, fmtShape, tensor, tidy } from '@tessera/core';
import { expectFloat } from '../check.js';
import { describeModule } from '../config/record.js';
import { LayerConfigError } from '../errors.js';
import { type FloatDType, normal } from '../init.js';
import { makeParam, positive, probability } from '../layers/common.js';
import { Dropout } from '../layers/noise.js';
import { Module } from '../module.js';
import { expectDType } from '../norm/config.js';

/** Options of the additive positional encodings. */
export interface PositionalEncodingOptions {
  /** Inputs are [N, L, E] instead of [L, N, E] (default false, as PyTorch's Transformer layers). */
  readonly batchFirst?: boolean;
  /** Table dtype (default float32). */
  readonly dtype?: FloatDType;
}

/** Per-call options of the positional encodings. */
export interface PositionOffset {
  /** Position of the first element (default 0): the tokens already decoded, when decoding step by step. */
  readonly offset?: number;
}

/** x plus rows `offset … offset+L−1` of `table` [maxLen, E], x being [L, N, E], [N, L, E] or [L, E]. */
function addPositions(label: string, x: Tensor, table: Tensor, batchFirst: boolean, offset: number): Tensor {
  const [maxLen, e] = table.shape;
  expectFloat(label, x);
  expectDType(label, x, table.dtype as FloatDType);
  const batched = x.rank === 3;
  if ((x.rank !== 2 && !batched) || x.shape[x.rank - 1] !== e) {
    throw new ShapeError(
      `${label}: expected input of shape ${batchFirst ? '[N, L, ' : '[L, N, '}${e}] or [L, ${e}] but got ${fmtShape(x.shape)}.`,
    );
  }
  const l = x.shape[batched && batchFirst ? 1 : 0];
  if (!Number.isInteger(offset) || offset < 0 || offset + l > maxLen) {
    throw new ShapeError(`${label}: positions ${offset}…${offset + l - 1} (offset ${offset}, length ${l}) must lie in [0, ${maxLen}); ` +
      `build it with a larger maxLen.`);
  }
  return tidy(() => {
    const rows = table.narrow(0, offset, l);
    return x.add(batched && !batchFirst ? rows.unsqueeze(1) : rows);
  });
}

/** The sinusoidal table [maxLen, dModel]: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(…). */
function sinusoidTable(maxLen: number, dModel: number, dtype: FloatDType): Tensor {
  const data = new Float64Array(maxLen * dModel);
  for (let p = 0; p < maxLen; p++) {
    for (let i = 0; i < dModel; i += 2) {
      const angle = p * Math.exp(-i * (Math.log(10000) / dModel));
      data[p * dModel + i] = Math.sin(angle);
      data[p * dModel + i + 1] = Math.cos(angle);
    }
  }
  return tensor(data, { shape: [maxLen, dModel], dtype });
}

/**
 * The fixed sinusoidal positional encoding of "Attention Is All You Need" (PyTorch's
 * tutorial `PositionalEncoding`): adds PE(p, 2i) = sin(p / 10000^(2i/dModel)) and
 * PE(p, 2i+1) = cos(p / 10000^(2i/dModel)) to the embeddings, then dropout. The table `pe`
 * [maxLen, dModel] is computed once in float64 and is not a parameter: it is not in the
 * state dict (the tutorial's persistent `pe` buffer is an unexpected key: load such a dict
 * with `{ strict: false }`). dModel must be even.
 *
 * @example
 * const pos = new SinusoidalPositionalEncoding(512, { batchFirst: true });
 * pos.call(embed.call(tokens).mul(Math.sqrt(512))); // [N, L, 512]
 */
export class SinusoidalPositionalEncoding extends Module<[Tensor, PositionOffset?], Tensor> {
  /** The table [maxLen, dModel] (fixed; not saved). */
  readonly pe: Tensor;
  readonly dropout: Dropout;
  readonly batchFirst: boolean;

  constructor(
    readonly dModel: number,
    opts: PositionalEncodingOptions & {
      /** Longest sequence (default 5000). */
      readonly maxLen?: number;
      /** Dropout after the sum (default 0.1, the tutorial's). */
      readonly dropout?: number;
    } = {},
  ) {
    super();
    positive('SinusoidalPositionalEncoding', 'dModel', dModel);
    if (dModel % 2 !== 0)
      throw new LayerConfigError(`SinusoidalPositionalEncoding: dModel must be even (sine and cosine pairs) but got ${dModel}.`);
    const maxLen = positive('SinusoidalPositionalEncoding', 'maxLen', opts.maxLen ?? 5000);
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = new Dropout(probability('SinusoidalPositionalEncoding', opts.dropout ?? 0.1, true));
    this.pe = sinusoidTable(maxLen, dModel, opts.dtype ?? 'float32');
    describeModule(this, 'SinusoidalPositionalEncoding', [dModel, opts], { owner: SinusoidalPositionalEncoding });
  }

  forward(x: Tensor, opts: PositionOffset = {}): Tensor {
    return tidy(() =>
      this.dropout.call(addPositions(`SinusoidalPositionalEncoding(${this.dModel})`, x, this.pe, this.batchFirst, opts.offset ?? 0)),
    );
  }

  override dispose(): void {
    this.pe.dispose();
    super.dispose();
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, maxLen=${this.pe.shape[0]}, batchFirst=${this.batchFirst}`;
  }
}

/**
 * Learned absolute positions (BERT, GPT-2): a table `weight` [maxLen, dModel] — what an
 * `nn.Embedding(maxLen, dModel)` of positions holds, under the same key, so such a PyTorch
 * table loads — whose rows `offset … offset+L−1` are added to the input. Initialised
 * N(0, 1) as nn.Embedding; GPT-2 uses N(0, 0.02²) (`init.normal(0, 0.02)`).
 *
 * @example
 * const pos = new LearnedPositionalEmbedding(1024, 768, { batchFirst: true });
 * pos.call(tokenEmbeddings); // [N, L, 768]
 */
export class LearnedPositionalEmbedding extends Module<[Tensor, PositionOffset?], Tensor> {
  readonly weight: Parameter;
  readonly batchFirst: boolean;

  constructor(
    readonly maxLen: number,
    readonly dModel: number,
    opts: PositionalEncodingOptions = {},
  ) {
    super();
    positive('LearnedPositionalEmbedding', 'maxLen', maxLen);
    positive('LearnedPositionalEmbedding', 'dModel', dModel);
    this.batchFirst = opts.batchFirst ?? false;
    this.weight = makeParam([maxLen, dModel], normal(0, 1), opts.dtype ?? 'float32');
    describeModule(this, 'LearnedPositionalEmbedding', [maxLen, dModel, opts], { owner: LearnedPositionalEmbedding });
  }

  forward(x: Tensor, opts: PositionOffset = {}): Tensor {
    return addPositions(`LearnedPositionalEmbedding(${this.maxLen}, ${this.dModel})`, x, this.weight, this.batchFirst, opts.offset ?? 0);
  }

  override extraRepr(): string {
    return `${this.maxLen}, ${this.dModel}, batchFirst=${this.batchFirst}`;
  }
}
