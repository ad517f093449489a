/**
 * Attention layers with PyTorch's names and semantics: multi-head attention and the
 * Transformer encoder block, built on core's `scaledDotProductAttention`.
 */
export {
  MultiheadAttention,
  type MultiheadAttentionOptions,
  type MultiheadAttentionCallOptions,
  type AttentionResult,
} from './multihead.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerCallOptions } from './encoder-layer.js';
