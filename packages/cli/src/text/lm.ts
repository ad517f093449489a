import { noGrad, tidy } from '@tessera/core';
import { SequenceDataset, type TextDatasetDescriptor, type TextExample, Vocab, splitChars, splitTextDataset } from '@tessera/datasets';
import { type TokenModel, generateTokens } from '@tessera/models';
import { tokenLoss } from './common.js';

/** A count-based bigram model of next tokens with add-k smoothing (the language model's baseline). */
export interface BigramBaseline {
  /** The smoothing constant chosen on the validation split. */
  readonly k: number;
  /** Mean −log p (nats) per predicted token (characters and the end of the name). */
  nll(sequences: readonly (readonly number[])[]): number;
}

/**
 * Counts bigrams (previous token → next token, `<bos>` first, `<eos>` last) on `train` and
 * picks the add-k smoothing (k ∈ {0.01, 0.03, 0.1, 0.3, 1, 3}) with the lowest validation
 * loss. The support is every token but `<pad>` and `<bos>` (which are never predicted).
 */
export function bigramBaseline(
  vocabSize: number,
  train: readonly (readonly number[])[],
  validation: readonly (readonly number[])[],
): BigramBaseline {
  const counts = new Float64Array(vocabSize * vocabSize);
  const frame = (s: readonly number[]) => [Vocab.BOS, ...s, Vocab.EOS];
  for (const s of train) {
    const f = frame(s);
    for (let i = 1; i < f.length; i++) counts[f[i - 1]! * vocabSize + f[i]!]! += 1;
  }
  const rowTotals = Array.from({ length: vocabSize }, (_, p) =>
    counts.subarray(p * vocabSize, (p + 1) * vocabSize).reduce((a, b) => a + b, 0),
  );
  const support = vocabSize - 2;
  const make = (k: number): BigramBaseline => ({
    k,
    nll(sequences) {
      let total = 0;
      let n = 0;
      for (const s of sequences) {
        const f = frame(s);
        for (let i = 1; i < f.length; i++) {
          const p = f[i - 1]!;
          total -= Math.log((counts[p * vocabSize + f[i]!]! + k) / (rowTotals[p]! + k * support));
          n++;
        }
      }
      return total / n;
    },
  });
  let best = make(1);
  for (const k of [0.01, 0.03, 0.1, 0.3, 1, 3]) {
    const m = make(k);
    if (m.nll(validation) < best.nll(validation)) best = m;
  }
  return best;
}

/** The names corpus as the language model sees it: lower-cased, split by name, encoded. */
export interface NamesData {
  readonly vocab: Vocab;
  readonly train: number[][];
  readonly validation: number[][];
  readonly test: number[][];
  /** Longest encoded name + 1 (`<bos>`): the model's context. */
  readonly blockSize: number;
}

/**
 * Splits a language-model corpus by key as its descriptor says (names: 80/10/10 by name,
 * `seed`) and builds the character vocabulary on the training examples.
 */
export function namesData(dataset: TextDatasetDescriptor, examples: readonly TextExample[], seed: number, limit?: number): NamesData {
  const split = splitTextDataset(dataset, examples, seed);
  const trainNames = limit === undefined ? split.train : split.train.slice(0, limit);
  const vocab = Vocab.build(trainNames.map((e) => e.source));
  const enc = (xs: readonly TextExample[]) => xs.map((e) => vocab.encode(e.source));
  return {
    vocab,
    train: enc(trainNames),
    validation: enc(split.validation),
    test: enc(split.test),
    blockSize: examples.reduce((m, e) => Math.max(m, e.source.length), 0) + 1,
  };
}

/** Mean next-token loss (nats per predicted token: characters and the end of each name) of a language model (CharGPT) on `sequences`. */
export async function lmNatsPerChar(model: TokenModel, sequences: readonly (readonly number[])[], batchSize = 256): Promise<number> {
  model.eval();
  const ds = new SequenceDataset(sequences);
  let total = 0;
  let count = 0;
  for (let i = 0; i < sequences.length; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, sequences.length - i) }, (_, j) => i + j);
    const b = ds.getBatch(idx);
    const sum = noGrad(() => tidy(() => tokenLoss(model.call(b.input), b.target, 'sum')));
    total += await sum.item();
    count += idx.reduce((a, j) => a + sequences[j]!.length + 1, 0);
    for (const t of [sum, b.input, b.target, b.paddingMask]) t.dispose();
  }
  return total / count;
}

/** `count` sampled names (temperature, top-k) from `<bos>` + the prompt's characters. */
export async function sampleNames(
  model: TokenModel,
  vocab: Vocab,
  opts: { count: number; prompt?: string; temperature?: number; topK?: number; greedy?: boolean },
): Promise<string[]> {
  const prompt = splitChars(opts.prompt ?? '');
  const ids = await generateTokens(model, vocab.encode(prompt, { bos: true }), {
    numSamples: opts.count,
    temperature: opts.temperature,
    topK: opts.topK,
    greedy: opts.greedy,
    maxNewTokens: Math.max(1, model.blockSize - prompt.length - 1),
  });
  return ids.map((t) => prompt.join('') + vocab.decode(t).join(''));
}
