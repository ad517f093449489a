import { describe, expect, it } from 'vitest';
import { sequenceErrorRates, tokenEditDistance } from '../src/index.js';

const t = (s: string): string[] => (s === '' ? [] : s.split(' '));

describe('sequence error rates (PER/WER)', () => {
  it('edit distance counts substitutions, insertions and deletions over tokens', () => {
    expect(tokenEditDistance(t('K AE T'), t('K AE T'))).toBe(0);
    expect(tokenEditDistance(t('K AE T'), t('K AH T'))).toBe(1);
    expect(tokenEditDistance(t('K AE T'), t('K T'))).toBe(1);
    expect(tokenEditDistance(t(''), t('K AE T'))).toBe(3);
    expect(tokenEditDistance(t('AA B'), t('B AA'))).toBe(2); // no transpositions
    expect(tokenEditDistance(t('K AE T S'), t('S K AE T'))).toBe(2);
  });

  it('scores against the closest reference; a word is right if it matches any', () => {
    const r = sequenceErrorRates(
      [t('T AH M AA T OW'), t('K AH T'), t('D EY T')],
      [[t('T AH M EY T OW'), t('T AH M AA T OW')], [t('K AE T')], [t('D EY T AH'), t('D AE T AH')]],
    );
    // edits 0 + 1 + 1 over lengths 6 + 3 + 4; words 2 wrong of 3
    expect(r.tokenErrorRate).toBeCloseTo(2 / 13, 12);
    expect(r.sequenceErrorRate).toBeCloseTo(2 / 3, 12);
    expect(r.count).toBe(3);
  });

  it('rejects mismatched lists', () => {
    expect(() => sequenceErrorRates([t('A')], [])).toThrow(/1 predictions but 0 reference lists/);
    expect(() => sequenceErrorRates([t('A')], [[]])).toThrow(/prediction 0 has no reference/);
  });
});
