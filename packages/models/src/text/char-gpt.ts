import { ShapeError, type Tensor, tidy } from '@tessera/core';
import {
  Embedding,
  LayerNorm,
  LearnedPositionalEmbedding,
  Linear,
  Module,
  TransformerEncoder,
  TransformerEncoderLayer,
  generateSquareSubsequentMask,
} from '@tessera/layers';
import { positiveInt } from '../errors.js';
import { describeZoo } from '../zoo-config.js';

/** Options of {@link CharGPT}. */
export interface CharGPTOptions {
  /** Tokens in the vocabulary (specials included). */
  readonly vocabSize: number;
  /** Longest sequence (context) the model sees, `<bos>` included (default 32). */
  readonly blockSize?: number;
  /** Model width (default 64). */
  readonly dModel?: number;
  /** Attention heads (default 4; must divide dModel). */
  readonly nhead?: number;
  /** Transformer blocks (default 2). */
  readonly numLayers?: number;
  /** Feed-forward width (default 4·dModel). */
  readonly dimFeedforward?: number;
  /** Dropout in the blocks (default 0.1). */
  readonly dropout?: number;
}

/**
 * A decoder-only character Transformer (GPT-style): token embedding + learned positions →
 * `numLayers` pre-norm blocks with causal self-attention and GELU → final LayerNorm → a linear
 * head over the vocabulary. Input int32 [N, L] (L ≤ blockSize), output logits [N, L, vocab]:
 * position t predicts token t+1. Right padding needs no mask (causality keeps it out of view);
 * ignore it in the loss. Sample with {@link generateTokens}.
 *
 * @example
 * const gpt = new CharGPT({ vocabSize: vocab.size, blockSize: 24 });
 * const logits = gpt.call(batch.input);                           // [N, L, V]
 * const loss = crossEntropyLoss(logits.reshape([-1, V]), batch.target.reshape([-1]), { ignoreIndex: 0 });
 */
export class CharGPT extends Module {
  readonly tokEmb: Embedding;
  readonly posEmb: LearnedPositionalEmbedding;
  readonly blocks: TransformerEncoder;
  readonly lnF: LayerNorm;
  readonly head: Linear;
  readonly blockSize: number;
  readonly vocabSize: number;

  constructor(opts: CharGPTOptions) {
    super();
    const { vocabSize, blockSize = 32, dModel = 64, nhead = 4, numLayers = 2, dropout = 0.1 } = opts;
    const dimFeedforward = opts.dimFeedforward ?? 4 * dModel;
    for (const [k, v] of Object.entries({ vocabSize, blockSize, dModel, nhead, numLayers, dimFeedforward })) positiveInt('CharGPT', k, v);
    this.vocabSize = vocabSize;
    this.blockSize = blockSize;
    this.tokEmb = new Embedding(vocabSize, dModel);
    this.posEmb = new LearnedPositionalEmbedding(blockSize, dModel, { batchFirst: true });
    const block = new TransformerEncoderLayer(dModel, nhead, {
      dimFeedforward,
      dropout,
      activation: 'gelu',
      batchFirst: true,
      normFirst: true,
    });
    this.blocks = new TransformerEncoder(block, numLayers);
    this.lnF = new LayerNorm([dModel]);
    this.head = new Linear(dModel, vocabSize);
    describeZoo(this, 'CharGPT', [opts], CharGPT);
  }

  forward(ids: Tensor): Tensor {
    if (ids.rank !== 2) throw new ShapeError(`CharGPT: input must be int32 token ids [N, L] but has shape [${ids.shape.join(', ')}].`);
    const len = ids.shape[1]!;
    if (len > this.blockSize)
      throw new ShapeError(
        `CharGPT: a sequence of ${len} tokens is longer than blockSize ${this.blockSize}; crop it to the last ${this.blockSize} tokens ` +
          `or build the model with a larger blockSize.`,
      );
    return tidy(() => {
      const x = this.posEmb.call(this.tokEmb.call(ids));
      const h = this.blocks.call(x, {
        srcMask: generateSquareSubsequentMask(len, { dtype: x.dtype === 'float64' ? 'float64' : 'float32' }),
      });
      return this.head.call(this.lnF.call(h));
    });
  }
}
