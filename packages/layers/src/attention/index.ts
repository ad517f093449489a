/**
 * Attention layers with PyTorch's names and semantics: multi-head attention, the
 * Transformer encoder and decoder blocks, their stacks and the encoder–decoder
 * Transformer, built on core's `scaledDotProductAttention`; positional encodings
 * (sinusoidal, learned, rotary).
 */
export {
  MultiheadAttention,
  type MultiheadAttentionOptions,
  type MultiheadAttentionCallOptions,
  type AttentionResult,
} from './multihead.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerCallOptions } from './encoder-layer.js';
export { TransformerDecoderLayer, type TransformerDecoderLayerOptions, type TransformerDecoderCallOptions } from './decoder-layer.js';
export { TransformerEncoder, TransformerDecoder, type TransformerStackOptions } from './stacks.js';
export { Transformer, type TransformerOptions, type TransformerCallOptions } from './transformer.js';
export { generateSquareSubsequentMask } from './masks.js';
export { type TransformerActivation } from './feed-forward.js';
export {
  SinusoidalPositionalEncoding,
  LearnedPositionalEmbedding,
  type PositionalEncodingOptions,
  type PositionOffset,
} from './positional.js';
export { RotaryEmbedding, applyRotary, type RotaryOptions, type RotaryCallOptions } from './rotary.js';
export {
  BahdanauAttention,
  LuongAttention,
  type BahdanauAttentionOptions,
  type LuongAttentionOptions,
  type LuongMethod,
  type RecurrentAttentionCallOptions,
  type AttentionContext,
} from './recurrent-attention.js';
