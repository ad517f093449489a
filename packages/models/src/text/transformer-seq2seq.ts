import { type Tensor, concat, tidy } from '@tessera/core';
import { Embedding, Linear, Module, SinusoidalPositionalEncoding, Transformer } from '@tessera/layers';
import { ModelConfigError, positiveInt } from '../errors.js';
import { describeZoo } from '../zoo-config.js';
import { type Seq2SeqMasks, type Seq2SeqModel, masksOf } from './seq2seq.js';

/** Options of {@link TransformerSeq2Seq}. */
export interface TransformerSeq2SeqOptions {
  /** Source vocabulary size (letters for G2P). */
  readonly srcVocab: number;
  /** Target vocabulary size (phonemes for G2P). */
  readonly tgtVocab: number;
  /** Model width (default 128). */
  readonly dModel?: number;
  /** Attention heads (default 4). */
  readonly nhead?: number;
  /** Encoder layers (default 3). */
  readonly numEncoderLayers?: number;
  /** Decoder layers (default 3). */
  readonly numDecoderLayers?: number;
  /** Feed-forward width (default 4·dModel). */
  readonly dimFeedforward?: number;
  /** Dropout (default 0.1). */
  readonly dropout?: number;
  /** Longest source or target sequence (default 64). */
  readonly maxLen?: number;
  /**
   * Feed-forward activation (default 'gelu'). 'relu' (the original Transformer's) costs less
   * on the CPU, where GELU's erf runs in TypeScript; the zoo's `g2p-transformer` uses it.
   */
  readonly activation?: 'relu' | 'gelu';
}

/** Decoder state of {@link TransformerSeq2Seq}: the encoder memory and the target prefix so far. */
export interface TransformerSeq2SeqState {
  readonly memory: Tensor;
  readonly memoryPaddingMask: Tensor;
  /** int32 [N, t]: the tokens fed so far (`<bos>` first); empty before the first step. */
  readonly prefix: Tensor | null;
}

/**
 * A Transformer encoder–decoder for sequence transduction (Vaswani et al. 2017, small; the
 * Transformer G2P of Yolchuyeva et al. 2019): token embeddings scaled by √dModel plus
 * sinusoidal positions → `Transformer` (pre-norm, GELU or ReLU, batch first) → a linear head over
 * the target vocabulary. Token id 0 is padding. Decode with `greedyDecode` / `beamSearch`.
 *
 * @example
 * const model = new TransformerSeq2Seq({ srcVocab: letters.size, tgtVocab: phones.size });
 * const logits = model.call(b.src, b.tgtIn, { srcPaddingMask: b.srcPaddingMask, tgtPaddingMask: b.tgtPaddingMask });
 */
export class TransformerSeq2Seq extends Module<[Tensor, Tensor, Seq2SeqMasks?], Tensor> implements Seq2SeqModel<TransformerSeq2SeqState> {
  readonly srcEmb: Embedding;
  readonly tgtEmb: Embedding;
  readonly pos: SinusoidalPositionalEncoding;
  readonly transformer: Transformer;
  readonly head: Linear;
  readonly dModel: number;
  readonly maxLen: number;

  constructor(opts: TransformerSeq2SeqOptions) {
    super();
    const { srcVocab, tgtVocab, dModel = 128, nhead = 4, numEncoderLayers = 3, numDecoderLayers = 3, dropout = 0.1, maxLen = 64 } = opts;
    const activation = opts.activation ?? 'gelu';
    const dimFeedforward = opts.dimFeedforward ?? 4 * dModel;
    for (const [k, v] of Object.entries({ srcVocab, tgtVocab, dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, maxLen }))
      positiveInt('TransformerSeq2Seq', k, v);
    if (dModel % nhead !== 0)
      throw new ModelConfigError(
        'TransformerSeq2Seq',
        `dModel ${dModel} is not divisible by nhead ${nhead}`,
        'Pick nhead that divides dModel (e.g. 4 for 128).',
      );
    this.dModel = dModel;
    this.maxLen = maxLen;
    this.srcEmb = new Embedding(srcVocab, dModel, { paddingIdx: 0 });
    this.tgtEmb = new Embedding(tgtVocab, dModel, { paddingIdx: 0 });
    this.pos = new SinusoidalPositionalEncoding(dModel, { maxLen, dropout, batchFirst: true });
    this.transformer = new Transformer({
      dModel,
      nhead,
      numEncoderLayers,
      numDecoderLayers,
      dimFeedforward,
      dropout,
      activation,
      batchFirst: true,
      normFirst: true,
    });
    this.head = new Linear(dModel, tgtVocab);
    describeZoo(this, 'TransformerSeq2Seq', [opts], TransformerSeq2Seq);
  }

  private embed(emb: Embedding, ids: Tensor): Tensor {
    return this.pos.call(emb.call(ids).mul(Math.sqrt(this.dModel)));
  }

  /** Encoder memory [N, S, dModel] of `src` [N, S]. */
  encode(src: Tensor, srcPaddingMask: Tensor): Tensor {
    return tidy(() => this.transformer.encoder.call(this.embed(this.srcEmb, src), { srcKeyPaddingMask: srcPaddingMask }));
  }

  /** Logits [N, T, tgtVocab] of the decoder over `tgtIn` [N, T] (causal) attending to `memory`. */
  decode(tgtIn: Tensor, memory: Tensor, memoryPaddingMask: Tensor, tgtPaddingMask?: Tensor): Tensor {
    return tidy(() => {
      const h = this.transformer.decoder.call(this.embed(this.tgtEmb, tgtIn), memory, {
        tgtIsCausal: true,
        tgtKeyPaddingMask: tgtPaddingMask,
        memoryKeyPaddingMask: memoryPaddingMask,
      });
      return this.head.call(h);
    });
  }

  forward(src: Tensor, tgtIn: Tensor, given?: Seq2SeqMasks): Tensor {
    return tidy(() => {
      const masks = masksOf(src, tgtIn, given);
      return this.decode(tgtIn, this.encode(src, masks.srcPaddingMask), masks.srcPaddingMask, masks.tgtPaddingMask);
    });
  }

  start(src: Tensor, srcPaddingMask: Tensor): TransformerSeq2SeqState {
    return { memory: this.encode(src, srcPaddingMask), memoryPaddingMask: srcPaddingMask.clone(), prefix: null };
  }

  step(state: TransformerSeq2SeqState, tokens: Tensor): { logits: Tensor; state: TransformerSeq2SeqState } {
    return tidy(() => {
      const col = tokens.reshape([tokens.shape[0]!, 1]);
      const prefix = state.prefix ? concat([state.prefix, col], 1) : col.clone();
      const t = prefix.shape[1]!;
      const logits = this.decode(prefix, state.memory, state.memoryPaddingMask).narrow(1, t - 1, 1).squeeze(1);
      return { logits, state: { ...state, prefix } };
    });
  }

  select(state: TransformerSeq2SeqState, index: Tensor): TransformerSeq2SeqState {
    return tidy(() => ({
      memory: state.memory.indexSelect(0, index),
      memoryPaddingMask: state.memoryPaddingMask.indexSelect(0, index),
      prefix: state.prefix ? state.prefix.indexSelect(0, index) : null,
    }));
  }

  stateTensors(state: TransformerSeq2SeqState): Tensor[] {
    return [state.memory, state.memoryPaddingMask, ...(state.prefix ? [state.prefix] : [])];
  }
}
