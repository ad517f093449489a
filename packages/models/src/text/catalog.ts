import type { TextModelDescriptor } from '../model-registry.js';
import { CharGPT } from './char-gpt.js';
import { LSTMAttentionSeq2Seq } from './lstm-attention.js';
import { TransformerSeq2Seq } from './transformer-seq2seq.js';

/** The zoo's text models that tools build by name (the sizes `tessera train` used before the registry held them). */
export const BUILTIN_TEXT_MODELS: readonly TextModelDescriptor[] = [
  {
    name: 'char-gpt',
    task: 'language-model',
    dataset: 'names',
    description: 'decoder-only character Transformer (GPT-style): d 64, 4 heads, 2 pre-norm blocks, dropout 0.1; sampling',
    build: ({ srcVocabSize, blockSize, dModel, layers }) =>
      new CharGPT({ vocabSize: srcVocabSize, blockSize, dModel: dModel ?? 64, nhead: 4, numLayers: layers ?? 2, dropout: 0.1 }),
  },
  {
    name: 'g2p-transformer',
    task: 'sequence-to-sequence',
    dataset: 'cmudict',
    description: 'Transformer encoder–decoder: d 128, 4 heads, 3+3 layers, ReLU, dropout 0.1; greedy and beam decoding',
    build: ({ srcVocabSize, tgtVocabSize, blockSize, dModel, layers }) =>
      new TransformerSeq2Seq({
        srcVocab: srcVocabSize,
        tgtVocab: tgtVocabSize!,
        dModel: dModel ?? 128,
        nhead: 4,
        numEncoderLayers: layers ?? 3,
        numDecoderLayers: layers ?? 3,
        activation: 'relu',
        dropout: 0.1,
        ...(blockSize > 64 ? { maxLen: blockSize } : {}),
      }),
  },
  {
    name: 'g2p-lstm-attention',
    task: 'sequence-to-sequence',
    dataset: 'cmudict',
    description: 'bidirectional LSTM encoder (2 layers) + Luong-attention LSTM decoder, hidden 256, dropout 0.2 (the GNMT recipe, small)',
    build: ({ srcVocabSize, tgtVocabSize, dModel, layers }) =>
      new LSTMAttentionSeq2Seq({
        srcVocab: srcVocabSize,
        tgtVocab: tgtVocabSize!,
        hiddenSize: dModel ?? 256,
        encoderLayers: layers ?? 2,
        dropout: 0.2,
      }),
  },
];
