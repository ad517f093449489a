import { type Tensor, concat, stack, tidy, zeros } from '@tessera/core';
import { Dropout, Embedding, LSTM, LSTMCell, Linear, LuongAttention, Module } from '@tessera/layers';
import { ModelConfigError, positiveInt } from '../errors.js';
import { describeZoo } from '../zoo-config.js';
import { type Seq2SeqMasks, type Seq2SeqModel, masksOf } from './seq2seq.js';

/** Options of {@link LSTMAttentionSeq2Seq}. */
export interface LSTMAttentionSeq2SeqOptions {
  /** Source vocabulary size (letters for G2P). */
  readonly srcVocab: number;
  /** Target vocabulary size (phonemes for G2P). */
  readonly tgtVocab: number;
  /** Embedding width (default 64). */
  readonly embeddingDim?: number;
  /** Decoder hidden size; the bidirectional encoder has hiddenSize/2 per direction (default 256, even). */
  readonly hiddenSize?: number;
  /** Encoder layers (default 2). */
  readonly encoderLayers?: number;
  /** Dropout on the embeddings, between encoder layers and before the output (default 0.2). */
  readonly dropout?: number;
}

/** Decoder state of {@link LSTMAttentionSeq2Seq}. */
export interface LSTMAttentionState {
  /** Encoder outputs [N, S, H] (the attention's values). */
  readonly memory: Tensor;
  /** `attnProj(memory)` [N, S, H] (the attention's keys, computed once). */
  readonly keys: Tensor;
  readonly memoryPaddingMask: Tensor;
  readonly h: Tensor;
  readonly c: Tensor;
  /** The previous attentional vector h̃ [N, H] (input feeding). */
  readonly feed: Tensor;
  /** The last step's attention weights [N, S] (null before the first step). */
  readonly weights: Tensor | null;
}

/**
 * An encoder–decoder LSTM with attention (the GNMT recipe, small; Luong et al. 2015 global
 * "general" attention with input feeding): a bidirectional LSTM encoder over the source
 * (padded batches via `lengths`), whose final states start an LSTMCell decoder; each step
 * attends over the encoder outputs (padding masked), forms h̃ = tanh(Wc [context; h]), and
 * predicts the next token from h̃, which is also fed to the next step. Token id 0 is padding.
 *
 * @example
 * const model = new LSTMAttentionSeq2Seq({ srcVocab: letters.size, tgtVocab: phones.size });
 * const logits = model.call(b.src, b.tgtIn, { srcPaddingMask: b.srcPaddingMask });  // [N, T, V]
 */
export class LSTMAttentionSeq2Seq extends Module<[Tensor, Tensor, Seq2SeqMasks?], Tensor> implements Seq2SeqModel<LSTMAttentionState> {
  readonly srcEmb: Embedding;
  readonly tgtEmb: Embedding;
  readonly encoder: LSTM;
  readonly decoder: LSTMCell;
  readonly attnProj: Linear;
  readonly attention: LuongAttention;
  readonly combine: Linear;
  readonly head: Linear;
  readonly dropout: Dropout;
  readonly hiddenSize: number;

  constructor(opts: LSTMAttentionSeq2SeqOptions) {
    super();
    const { srcVocab, tgtVocab, embeddingDim = 64, hiddenSize = 256, encoderLayers = 2, dropout = 0.2 } = opts;
    for (const [k, v] of Object.entries({ srcVocab, tgtVocab, embeddingDim, hiddenSize, encoderLayers }))
      positiveInt('LSTMAttentionSeq2Seq', k, v);
    if (hiddenSize % 2 !== 0)
      throw new ModelConfigError(
        'LSTMAttentionSeq2Seq',
        `hiddenSize ${hiddenSize} is odd`,
        'Use an even hiddenSize: the bidirectional encoder has hiddenSize/2 units per direction.',
      );
    if (!(dropout >= 0 && dropout < 1))
      throw new ModelConfigError('LSTMAttentionSeq2Seq', `dropout ${dropout} is not in [0, 1)`, 'Use e.g. 0.2.');
    this.hiddenSize = hiddenSize;
    this.dropout = new Dropout(dropout);
    this.srcEmb = new Embedding(srcVocab, embeddingDim, { paddingIdx: 0 });
    this.tgtEmb = new Embedding(tgtVocab, embeddingDim, { paddingIdx: 0 });
    this.encoder = new LSTM(embeddingDim, hiddenSize / 2, {
      numLayers: encoderLayers,
      bidirectional: true,
      batchFirst: true,
      dropout: encoderLayers > 1 ? dropout : 0,
    });
    this.decoder = new LSTMCell(embeddingDim + hiddenSize, hiddenSize);
    this.attnProj = new Linear(hiddenSize, hiddenSize, { bias: false });
    this.attention = new LuongAttention(hiddenSize, { method: 'dot' });
    this.combine = new Linear(2 * hiddenSize, hiddenSize, { bias: false });
    this.head = new Linear(hiddenSize, tgtVocab);
    describeZoo(this, 'LSTMAttentionSeq2Seq', [opts], LSTMAttentionSeq2Seq);
  }

  private drop(x: Tensor): Tensor {
    return this.dropout.call(x);
  }

  start(src: Tensor, srcPaddingMask: Tensor): LSTMAttentionState {
    return tidy(() => {
      const lengths = lengthsOf(srcPaddingMask);
      const [memory, [hN, cN]] = this.encoder.call(this.drop(this.srcEmb.call(src)), undefined, { lengths });
      const last = (s: Tensor) => {
        const l = s.shape[0]!;
        return concat([s.narrow(0, l - 2, 1).squeeze(0), s.narrow(0, l - 1, 1).squeeze(0)], 1); // last layer, forward ‖ reverse
      };
      const n = src.shape[0]!;
      return {
        memory,
        keys: this.attnProj.call(memory),
        memoryPaddingMask: srcPaddingMask.clone(),
        h: last(hN),
        c: last(cN),
        feed: zeros([n, this.hiddenSize], { dtype: memory.dtype }),
        weights: null,
      };
    });
  }

  step(state: LSTMAttentionState, tokens: Tensor): { logits: Tensor; state: LSTMAttentionState } {
    return tidy(() => {
      const x = concat([this.drop(this.tgtEmb.call(tokens)), state.feed], 1);
      const [h, c] = this.decoder.call(x, [state.h, state.c]);
      const { context, weights } = this.attention.call(h, state.keys, { values: state.memory, keyPaddingMask: state.memoryPaddingMask });
      const feed = this.combine.call(concat([context, h], 1)).tanh();
      const logits = this.head.call(this.drop(feed));
      return { logits, state: { ...state, h, c, feed, weights } };
    });
  }

  select(state: LSTMAttentionState, index: Tensor): LSTMAttentionState {
    return tidy(() => {
      const pick = (t: Tensor) => t.indexSelect(0, index);
      return {
        memory: pick(state.memory),
        keys: pick(state.keys),
        memoryPaddingMask: pick(state.memoryPaddingMask),
        h: pick(state.h),
        c: pick(state.c),
        feed: pick(state.feed),
        weights: state.weights ? pick(state.weights) : null,
      };
    });
  }

  stateTensors(state: LSTMAttentionState): Tensor[] {
    return [state.memory, state.keys, state.memoryPaddingMask, state.h, state.c, state.feed, ...(state.weights ? [state.weights] : [])];
  }

  /** Teacher-forced logits [N, T, tgtVocab]: the decoder steps through `tgtIn` [N, T]. */
  forward(src: Tensor, tgtIn: Tensor, given?: Seq2SeqMasks): Tensor {
    return tidy(() => {
      let state = this.start(src, masksOf(src, tgtIn, given).srcPaddingMask);
      const steps: Tensor[] = [];
      for (let t = 0; t < tgtIn.shape[1]!; t++) {
        const out = this.step(state, tgtIn.narrow(1, t, 1).squeeze(1));
        steps.push(out.logits);
        state = out.state;
      }
      return stack(steps, 1);
    });
  }
}

/** Sequence lengths int32 [N] from a padding mask [N, S] (true at padding), counted on the device (no readback). */
function lengthsOf(mask: Tensor): Tensor {
  return mask.logicalNot().cast('int32').sum(1);
}
