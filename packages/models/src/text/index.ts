export { CharGPT, type CharGPTOptions } from './char-gpt.js';
export { generateTokens, type GenerateOptions, type TokenModel } from './generate.js';
export { pickToken, type SamplingOptions } from './sample.js';
export { type Seq2SeqDecoder, type Seq2SeqModel, type Seq2SeqMasks, PAD_ID, masksOf } from './seq2seq.js';
export { TransformerSeq2Seq, type TransformerSeq2SeqOptions, type TransformerSeq2SeqState } from './transformer-seq2seq.js';
export { LSTMAttentionSeq2Seq, type LSTMAttentionSeq2SeqOptions, type LSTMAttentionState } from './lstm-attention.js';
export { beamSearch, greedyDecode, type BeamSearchOptions, type Hypothesis } from './beam.js';
