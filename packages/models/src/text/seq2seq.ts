import type { Tensor } from '@tessera/core';

/**
 * What beam search and greedy decoding need of an encoder–decoder: encode a batch once, then
 * advance one token at a time, and reorder rows when beams are pruned. `S` is the model's
 * own decoder state (tensors and plain values).
 */
export interface Seq2SeqDecoder<S> {
  /** Encodes `src` int32 [N, S] (`srcPaddingMask` bool [N, S], true at padding) into the state before the first target token. */
  start(src: Tensor, srcPaddingMask: Tensor): S;
  /** Feeds `tokens` int32 [N] (the previous outputs, `<bos>` first) and returns next-token logits [N, V] and the new state. */
  step(state: S, tokens: Tensor): { readonly logits: Tensor; readonly state: S };
  /** The state restricted to rows `index` (int32 [M], rows may repeat): how beams are reordered. */
  select(state: S, index: Tensor): S;
  /** Every tensor the state holds (to keep and free them between steps). */
  stateTensors(state: S): Tensor[];
  /** Puts the model in eval mode. */
  eval(): unknown;
}

/**
 * A trainable encoder–decoder: teacher-forced logits [N, T, V] from `src` [N, S] and `tgtIn`
 * [N, T] (`<bos>` + target), as well as step-wise decoding.
 */
export interface Seq2SeqModel<S = unknown> extends Seq2SeqDecoder<S> {
  /** Without `masks`, padding is where a token is {@link PAD_ID} (how `fit` calls a two-input model). */
  call(src: Tensor, tgtIn: Tensor, masks?: Seq2SeqMasks): Tensor;
}

/** The padding token id (`Vocab.PAD` of @tessera/datasets) that masks are derived from when a call gives none. */
export const PAD_ID = 0;

/** `masks`, or masks derived from the tokens equal to {@link PAD_ID} (true at padding). */
export function masksOf(src: Tensor, tgtIn: Tensor, masks: Seq2SeqMasks | undefined): Seq2SeqMasks {
  return masks ?? { srcPaddingMask: src.equal(PAD_ID), tgtPaddingMask: tgtIn.equal(PAD_ID) };
}

/** Padding masks of a seq2seq batch (bool, true at padding). */
export interface Seq2SeqMasks {
  readonly srcPaddingMask: Tensor;
  readonly tgtPaddingMask?: Tensor;
}
