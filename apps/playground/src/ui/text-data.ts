/**
 * The text tab's data, prepared on the page from the corpora of @tessera/datasets' registry
 * (`virtual:text-corpora` gives the files' texts; each descriptor's `parse` and split are the
 * ones `tessera train` uses): token id arrays for the training worker, and the vocabularies
 * to read the model's output.
 */
import { data } from 'tessera';

/** An int32 array as it crosses to the worker. */
export interface IdsPayload {
  readonly data: Int32Array;
  readonly shape: readonly [number, number];
}

/** Token rows padded with `<pad>` (0) to the longest row (or `width`). */
export function padRows(rows: readonly (readonly number[])[], width = rows.reduce((m, r) => Math.max(m, r.length), 0)): IdsPayload {
  const out = new Int32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r.slice(0, width), i * width));
  return { data: out, shape: [rows.length, width] };
}

const { BOS, EOS } = data.Vocab;

/** The names language model's data: `<bos>` + name → name + `<eos>`, split as the registry's descriptor says. */
export interface NamesTask {
  readonly vocab: data.Vocab;
  /** Longest name + 1: the model's context. */
  readonly blockSize: number;
  readonly train: { readonly x: IdsPayload; readonly y: IdsPayload };
  readonly validation: { readonly x: IdsPayload; readonly y: IdsPayload };
  readonly trainCount: number;
}

/** Builds the language model's arrays from the `names` corpus's texts (`seed` fixes the split). */
export function namesTask(texts: readonly string[], seed = 0, validationLimit = 400): NamesTask {
  const d = data.textDatasetDescriptor('names');
  const split = data.splitTextDataset(d, d.parse(texts), seed);
  const vocab = data.Vocab.build(split.train.map((e) => e.source));
  const blockSize = [...split.train, ...split.validation].reduce((m, e) => Math.max(m, e.source.length), 0) + 1;
  const arrays = (xs: readonly data.TextExample[]) => {
    const ids = xs.map((e) => vocab.encode(e.source));
    return {
      x: padRows(
        ids.map((s) => [BOS, ...s]),
        blockSize,
      ),
      y: padRows(
        ids.map((s) => [...s, EOS]),
        blockSize,
      ),
    };
  };
  return {
    vocab,
    blockSize,
    train: arrays(split.train),
    validation: arrays(split.validation.slice(0, validationLimit)),
    trainCount: split.train.length,
  };
}

/** The G2P model's data: letters → `<bos>` + phonemes (teacher forcing) and phonemes + `<eos>`. */
export interface G2PTask {
  readonly letters: data.Vocab;
  readonly phones: data.Vocab;
  /** Longest word or pronunciation + 2. */
  readonly blockSize: number;
  readonly train: { readonly x: readonly [IdsPayload, IdsPayload]; readonly y: IdsPayload };
  readonly validation: { readonly x: readonly [IdsPayload, IdsPayload]; readonly y: IdsPayload };
  /** Validation words with their reference pronunciation, to show. */
  readonly validationWords: readonly { readonly word: string; readonly phones: readonly string[] }[];
  readonly trainCount: number;
}

/** Builds the G2P arrays from the `cmudict` corpus's texts (the page's subset), split by word as its descriptor says. */
export function g2pTask(texts: readonly string[], seed = 0): G2PTask {
  const d = data.textDatasetDescriptor('cmudict');
  const split = data.splitTextDataset(d, d.parse(texts), seed);
  const letters = data.Vocab.build(split.train.map((e) => e.source));
  const phones = data.Vocab.build(split.train.map((e) => e.target ?? []));
  const all = [...split.train, ...split.validation];
  const blockSize = all.reduce((m, e) => Math.max(m, e.source.length, (e.target?.length ?? 0) + 1), 0) + 1;
  const arrays = (xs: readonly data.TextExample[]) => {
    const tgt = xs.map((e) => phones.encode(e.target ?? []));
    return {
      x: [padRows(xs.map((e) => letters.encode(e.source))), padRows(tgt.map((t) => [BOS, ...t]))] as const,
      y: padRows(tgt.map((t) => [...t, EOS])),
    };
  };
  return {
    letters,
    phones,
    blockSize,
    train: arrays(split.train),
    validation: arrays(split.validation),
    validationWords: split.validation.map((e) => ({ word: e.key, phones: e.target ?? [] })),
    trainCount: split.train.length,
  };
}
