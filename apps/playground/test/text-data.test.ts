import { describe, expect, it } from 'vitest';
import { data } from 'tessera';
import { cmudictSubset, corporaModule } from '../build/text-corpora.js';
import { g2pTask, namesTask, padRows } from '../src/ui/text-data.js';

// What the page gets from `virtual:text-corpora`, evaluated as the module's source would be.
const corpora = JSON.parse(corporaModule().replace(/^export const corpora = /, '').replace(/;\n$/, '')) as {
  names: string[];
  cmudict: string[];
};

describe('the text tab’s data (the registry’s corpora, parsed and split on the page)', () => {
  it('ships both name lists whole and a CMUdict subset in CMUdict format', () => {
    expect(corpora.names).toHaveLength(2);
    expect(data.textDatasetDescriptor('names').parse(corpora.names).length).toBeGreaterThan(7000);
    const subset = data.textDatasetDescriptor('cmudict').parse(corpora.cmudict);
    expect(subset.length).toBeGreaterThan(3500);
    expect(subset.length).toBeLessThan(5000);
    expect(subset.every((e) => e.source.length >= 3 && e.source.length <= 8 && /^[A-Z]+$/.test(e.key))).toBe(true);
    expect(cmudictSubset('AB  EY1 B IY1\nABC  EY1 B IY1 S IY1\nHELLO  HH AH0 L OW1\n')).toBe('ABC  EY1 B IY1 S IY1\n');
  });

  it('pads token rows with 0 to the longest (or a given width)', () => {
    expect(padRows([[5, 6], [7]])).toEqual({ data: Int32Array.of(5, 6, 7, 0), shape: [2, 2] });
    expect(padRows([[5, 6, 7]], 2)).toEqual({ data: Int32Array.of(5, 6), shape: [1, 2] });
  });

  it('names: <bos> + name → name + <eos> over the training split of the registry (80/10/10 by name)', () => {
    const t = namesTask(corpora.names, 0, 100);
    const [n, w] = t.train.x.shape;
    expect(t.trainCount).toBe(n);
    expect(w).toBe(t.blockSize);
    expect(t.validation.x.shape).toEqual([100, w]);
    const row = Array.from(t.train.x.data.subarray(0, w));
    const next = Array.from(t.train.y.data.subarray(0, w));
    expect(row[0]).toBe(data.Vocab.BOS);
    const len = next.indexOf(data.Vocab.EOS);
    expect(row.slice(1, len + 1)).toEqual(next.slice(0, len)); // the target is the input shifted by one
    expect(t.vocab.decode(next.slice(0, len)).join('')).toMatch(/^[a-z' -]+$/);
  });

  it('g2p: letters → <bos> + phonemes / phonemes + <eos>, split by word (90/5/5)', () => {
    const t = g2pTask(corpora.cmudict);
    const [src, tgtIn] = t.train.x;
    expect(src.shape[0]).toBe(t.trainCount);
    expect(tgtIn.shape).toEqual(t.train.y.shape);
    expect(t.phones.size).toBe(39 + 4); // the 39 ARPAbet phonemes and <pad>, <bos>, <eos>, <unk>
    expect(tgtIn.data[0]).toBe(data.Vocab.BOS);
    expect(t.validationWords.length).toBe(t.validation.y.shape[0]);
    expect(t.validationWords.length / (t.trainCount + t.validationWords.length)).toBeCloseTo(0.05 / 0.95, 1);
  });
});
