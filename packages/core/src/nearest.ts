/**
 * Levenshtein distance between two strings: the fewest single-character insertions,
 * deletions and substitutions that turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name` by edit distance, for "did you mean" hints in error
 * messages; undefined when none is within `maxDistance` (default: 2, and at most a third
 * of the longer name's length rounded up, so short names need close matches).
 * Ties go to the earlier candidate.
 *
 * @example
 * nearest('--epoch', ['--epochs', '--lr']); // '--epochs'
 * nearest('cdu', ['cpu', 'webgpu']);        // 'cpu'
 * nearest('zzz', ['cpu']);                  // undefined
 */
export function nearest(name: string, candidates: Iterable<string>, maxDistance?: number): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const limit = maxDistance ?? Math.min(2, Math.ceil(Math.max(name.length, c.length) / 3));
    const d = editDistance(name, c);
    if (d <= limit && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
