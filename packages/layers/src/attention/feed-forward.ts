import { type Tensor, gelu, relu } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import type { Linear } from '../layers/linear.js';
import type { Dropout } from '../layers/noise.js';

/** The feed-forward activations of PyTorch's Transformer layers. */
const TRANSFORMER_ACTIVATIONS = { relu, gelu } as const;

/** `'relu'` or `'gelu'` (PyTorch's `activation=` of the Transformer layers). */
export type TransformerActivation = keyof typeof TRANSFORMER_ACTIVATIONS;

/** Checks the `activation` option (default 'relu'); throws a LayerConfigError naming the layer. */
export function transformerActivation(layer: string, activation: string | undefined): TransformerActivation {
  const a = activation ?? 'relu';
  if (!(a in TRANSFORMER_ACTIVATIONS)) throw new LayerConfigError(`${layer}: activation must be 'relu' or 'gelu' but got '${String(a)}'.`);
  return a as TransformerActivation;
}

/** The feed-forward sub-modules every Transformer layer holds under PyTorch's names. */
export interface FeedForwardBlock {
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly activation: TransformerActivation;
}

/** PyTorch's `_ff_block` without its trailing dropout: `linear2(dropout(activation(linear1(x))))`. */
export function feedForward(block: FeedForwardBlock, x: Tensor): Tensor {
  return block.linear2.call(block.dropout.call(TRANSFORMER_ACTIVATIONS[block.activation](block.linear1.call(x))));
}
