import { DataError, tensor, type Tensor } from '@tessera/core';
import { checkIndex, type BatchOptions, type Dataset } from '../dataset.js';
import { Vocab } from './vocab.js';

/** Options of {@link padSequences}. */
export interface PadOptions extends BatchOptions {
  /** The id that fills the tail of shorter sequences (default `Vocab.PAD`, 0). */
  readonly padId?: number;
  /** Pad to this length instead of the longest sequence's (an error if one is longer). */
  readonly length?: number;
}

/** A padded batch of id sequences. */
export interface PaddedBatch {
  /** int32 [N, L]: sequence i in row i, `padId` after its end. */
  readonly ids: Tensor;
  /** bool [N, L]: true at padding (PyTorch's `key_padding_mask` convention). */
  readonly paddingMask: Tensor;
  /** Each sequence's length before padding. */
  readonly lengths: readonly number[];
}

/**
 * Pads id sequences to one length and returns them as tensors with their padding mask and
 * lengths (what `MultiheadAttention`'s `keyPaddingMask` and the recurrent layers' `lengths` take).
 *
 * @example
 * const { ids, paddingMask, lengths } = padSequences([[1, 5, 2], [1, 2]]);
 * // ids [[1, 5, 2], [1, 2, 0]], paddingMask [[false, false, false], [false, false, true]]
 */
export function padSequences(sequences: readonly (readonly number[])[], opts: PadOptions = {}): PaddedBatch {
  if (sequences.length === 0) throw new DataError('padSequences: got no sequences; a batch needs at least one.');
  const padId = opts.padId ?? Vocab.PAD;
  const lengths = sequences.map((s) => s.length);
  const longest = Math.max(...lengths);
  const len = opts.length ?? longest;
  if (longest > len)
    throw new DataError(
      `padSequences: a sequence of ${longest} tokens does not fit length ${len}; raise the length or truncate the sequence.`,
    );
  if (len < 1) throw new DataError('padSequences: every sequence is empty; a batch needs at least one token.');
  const ids = new Int32Array(sequences.length * len).fill(padId);
  const mask = new Uint8Array(sequences.length * len).fill(1);
  sequences.forEach((s, i) => {
    for (let j = 0; j < s.length; j++) {
      const v = s[j]!;
      if (!Number.isInteger(v)) throw new DataError(`padSequences: sequence ${i} holds ${v} at ${j}; ids must be integers.`);
      ids[i * len + j] = v;
      mask[i * len + j] = 0;
    }
  });
  const shape = [sequences.length, len];
  const create = { shape, backend: opts.backend };
  return { ids: tensor(ids, { ...create, dtype: 'int32' }), paddingMask: tensor(mask, { ...create, dtype: 'bool' }), lengths };
}

/** A batch of a {@link SequenceDataset}: next-token prediction on padded sequences. */
export interface LanguageModelBatch {
  /** int32 [N, L]: `<bos>` then the tokens (padded). */
  readonly input: Tensor;
  /** int32 [N, L]: the tokens then `<eos>` — the input shifted by one (`<pad>` = ignore). */
  readonly target: Tensor;
  /** bool [N, L]: true at padding. */
  readonly paddingMask: Tensor;
}

/**
 * Token sequences for a language model: example i is `<bos> t₁ … tₙ` as input and
 * `t₁ … tₙ <eos>` as target; `getBatch` pads a batch to its longest sequence (train with
 * `crossEntropyLoss(…, { ignoreIndex: Vocab.PAD })`).
 *
 * @example
 * const ds = new SequenceDataset(names.map((n) => vocab.encode(splitChars(n))));
 * const loader = new DataLoader(ds, { batchSize: 64, shuffle: true });
 */
export class SequenceDataset implements Dataset<readonly number[], LanguageModelBatch> {
  constructor(readonly sequences: readonly (readonly number[])[]) {}

  get length(): number {
    return this.sequences.length;
  }

  get(i: number): readonly number[] {
    checkIndex(i, this.sequences.length, 'SequenceDataset');
    return this.sequences[i]!;
  }

  getBatch(indices: readonly number[], opts: BatchOptions = {}): LanguageModelBatch {
    const seqs = indices.map((i) => this.get(i));
    const input = padSequences(seqs.map((s) => [Vocab.BOS, ...s]), opts);
    const target = padSequences(seqs.map((s) => [...s, Vocab.EOS]), opts);
    target.paddingMask.dispose();
    return { input: input.ids, target: target.ids, paddingMask: input.paddingMask };
  }
}

/** A batch of a {@link Seq2SeqDataset}. */
export interface Seq2SeqBatch {
  /** int32 [N, S]: source tokens (padded). */
  readonly src: Tensor;
  /** bool [N, S]: true at source padding. */
  readonly srcPaddingMask: Tensor;
  /** Each source's length. */
  readonly srcLengths: readonly number[];
  /** int32 [N, T]: `<bos>` then the target tokens (the decoder's input, teacher forcing). */
  readonly tgtIn: Tensor;
  /** int32 [N, T]: the target tokens then `<eos>` (`<pad>` = ignore). */
  readonly tgtOut: Tensor;
  /** bool [N, T]: true at target padding. */
  readonly tgtPaddingMask: Tensor;
}

/** One source/target pair of id sequences. */
export interface SequencePair {
  readonly src: readonly number[];
  readonly tgt: readonly number[];
}

/**
 * Source/target pairs for sequence-to-sequence training (G2P: letters → phonemes): `getBatch`
 * pads sources and targets separately and frames the target for teacher forcing.
 */
export class Seq2SeqDataset implements Dataset<SequencePair, Seq2SeqBatch> {
  constructor(readonly pairs: readonly SequencePair[]) {}

  get length(): number {
    return this.pairs.length;
  }

  get(i: number): SequencePair {
    checkIndex(i, this.pairs.length, 'Seq2SeqDataset');
    return this.pairs[i]!;
  }

  getBatch(indices: readonly number[], opts: BatchOptions = {}): Seq2SeqBatch {
    const pairs = indices.map((i) => this.get(i));
    const src = padSequences(pairs.map((p) => p.src), opts);
    const tgtIn = padSequences(pairs.map((p) => [Vocab.BOS, ...p.tgt]), opts);
    const tgtOut = padSequences(pairs.map((p) => [...p.tgt, Vocab.EOS]), opts);
    tgtOut.paddingMask.dispose();
    return {
      src: src.ids,
      srcPaddingMask: src.paddingMask,
      srcLengths: src.lengths,
      tgtIn: tgtIn.ids,
      tgtOut: tgtOut.ids,
      tgtPaddingMask: tgtIn.paddingMask,
    };
  }
}
