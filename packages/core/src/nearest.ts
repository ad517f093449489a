/**
 * Edit distance between two strings (optimal string alignment): the fewest single-character
 * insertions, deletions, substitutions and swaps of two adjacent characters that turn `a`
 * into `b` (`'mpl'` → `'mlp'` is 1, the typo it usually is).
 */
export function editDistance(a: string, b: string): number {
  // d[i][j]: distance between a's first i and b's first j characters.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
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
