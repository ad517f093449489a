import { DataError, type Tensor } from '@tessera/core';
import {
  Seq2SeqDataset,
  type TextDatasetDescriptor,
  type TextExample,
  Vocab,
  keyedPermutation,
  padSequences,
  splitChars,
  splitTextDataset,
} from '@tessera/datasets';
import { type LSTMAttentionSeq2Seq, type TransformerSeq2Seq, beamSearch, type Seq2SeqDecoder } from '@tessera/models';
import { sequenceErrorRates, type SequenceErrorRates } from '@tessera/train';

/** A G2P model of the zoo (both implement the seq2seq decoder). */
export type G2PModel = TransformerSeq2Seq | LSTMAttentionSeq2Seq;

/** One word and all its reference pronunciations. */
export interface G2PWord {
  readonly word: string;
  readonly refs: readonly (readonly string[])[];
}

/** CMUdict split by word for G2P: training pairs (one per pronunciation), evaluation words (all pronunciations). */
export interface G2PData {
  readonly letters: Vocab;
  readonly phones: Vocab;
  readonly train: Seq2SeqDataset;
  readonly validation: Seq2SeqDataset;
  readonly validationWords: G2PWord[];
  readonly testWords: G2PWord[];
  readonly trainWords: number;
}

function byWord(entries: readonly TextExample[]): G2PWord[] {
  const map = new Map<string, (readonly string[])[]>();
  for (const e of entries) {
    const refs = map.get(e.key) ?? [];
    refs.push(e.target ?? []);
    map.set(e.key, refs);
  }
  return [...map].map(([word, refs]) => ({ word, refs }));
}

/**
 * Splits a sequence-to-sequence corpus by key as its descriptor says (CMUdict: 90/5/5 by
 * word, `seed`), builds the source and target vocabularies on the training keys, and keeps
 * `limit` training keys (a seeded random subset) when given.
 */
export function g2pData(dataset: TextDatasetDescriptor, entries: readonly TextExample[], seed: number, limit?: number): G2PData {
  for (const e of entries.slice(0, 1))
    if (e.target === undefined) throw new DataError(`dataset '${dataset.name}' gives no targets; a sequence-to-sequence model needs them.`);
  const split = splitTextDataset(dataset, entries, seed);
  let train = split.train;
  if (limit !== undefined) {
    const words = byWord(train);
    const perm = keyedPermutation(words.length, seed, 0x6c696d74);
    const keep = new Set(Array.from(perm.subarray(0, Math.min(limit, words.length)), (i) => words[i]!.word));
    train = train.filter((e) => keep.has(e.key));
  }
  const letters = Vocab.build(train.map((e) => e.source));
  const phones = Vocab.build(train.map((e) => e.target!));
  const pairs = (xs: readonly TextExample[]) => xs.map((e) => ({ src: letters.encode(e.source), tgt: phones.encode(e.target!) }));
  return {
    letters,
    phones,
    train: new Seq2SeqDataset(pairs(train)),
    validation: new Seq2SeqDataset(pairs(split.validation)),
    validationWords: byWord(split.validation),
    testWords: byWord(split.test),
    trainWords: new Set(train.map((e) => e.key)).size,
  };
}

/** Pronunciations (phoneme lists) of `words` (upper case), decoded in batches by beam search (beamSize 1 = greedy). */
export async function pronounce(
  model: G2PModel,
  letters: Vocab,
  phones: Vocab,
  words: readonly string[],
  beamSize: number,
  batchSize = 256,
): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < words.length; i += batchSize) {
    const chunk = words.slice(i, i + batchSize);
    const { ids, paddingMask } = padSequences(chunk.map((w) => letters.encode(splitChars(w))));
    const maxLength = Math.max(...chunk.map((w) => w.length)) + 8;
    const hyps = await beamSearch(model as Seq2SeqDecoder<unknown>, ids, paddingMask, { beamSize, maxLength });
    for (const t of [ids, paddingMask] as Tensor[]) t.dispose();
    for (const h of hyps) out.push(phones.decode(h[0]?.tokens ?? []));
  }
  return out;
}

/** PER and WER of the model on `words` (each against all its reference pronunciations). */
export async function g2pErrorRates(
  model: G2PModel,
  data: Pick<G2PData, 'letters' | 'phones'>,
  words: readonly G2PWord[],
  beamSize: number,
): Promise<SequenceErrorRates> {
  const preds = await pronounce(
    model,
    data.letters,
    data.phones,
    words.map((w) => w.word),
    beamSize,
  );
  return sequenceErrorRates(
    preds,
    words.map((w) => w.refs),
  );
}
