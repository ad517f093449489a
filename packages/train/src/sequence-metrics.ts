/** Levenshtein distance between two token sequences (substitutions, insertions and deletions each cost 1). */
export function tokenEditDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Token and sequence error rates of predictions against references. */
export interface SequenceErrorRates {
  /** Σ edit distance to the closest reference / Σ that reference's length (phoneme error rate for G2P). */
  readonly tokenErrorRate: number;
  /** Fraction of predictions that equal none of their references (word error rate for G2P). */
  readonly sequenceErrorRate: number;
  /** Number of sequences scored. */
  readonly count: number;
}

/**
 * Phoneme and word error rates as G2P papers report them (Yao & Zweig 2015): each word may
 * have several reference pronunciations (CMUdict's variants); a prediction is scored against
 * the closest one (fewest edits, then the shorter), and the word counts as an error unless it
 * matches one exactly.
 *
 * @example
 * sequenceErrorRates([['T', 'AH', 'M', 'EY', 'T', 'OW']], [[['T', 'AH', 'M', 'EY', 'T', 'OW'], ['T', 'AH', 'M', 'AA', 'T', 'OW']]]);
 * // { tokenErrorRate: 0, sequenceErrorRate: 0, count: 1 }
 */
export function sequenceErrorRates(
  predictions: readonly (readonly string[])[],
  references: readonly (readonly (readonly string[])[])[],
): SequenceErrorRates {
  if (predictions.length !== references.length)
    throw new RangeError(
      `sequenceErrorRates: ${predictions.length} predictions but ${references.length} reference lists; give one list of references per ` +
        `prediction.`,
    );
  let edits = 0;
  let length = 0;
  let wrong = 0;
  predictions.forEach((p, i) => {
    const refs = references[i]!;
    if (refs.length === 0) throw new RangeError(`sequenceErrorRates: prediction ${i} has no reference.`);
    let best = Infinity;
    let bestLen = 0;
    for (const r of refs) {
      const d = tokenEditDistance(p, r);
      if (d < best || (d === best && r.length < bestLen)) [best, bestLen] = [d, r.length];
    }
    edits += best;
    length += bestLen;
    if (best > 0) wrong++;
  });
  return {
    tokenErrorRate: length === 0 ? 0 : edits / length,
    sequenceErrorRate: predictions.length === 0 ? 0 : wrong / predictions.length,
    count: predictions.length,
  };
}
