/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** What one reproduction ran on and measured. */
export interface Result {
  readonly epochs: number;
  readonly nTrain: number;
  readonly nTest: number;
  /** Test error in % after the last epoch, one per seed. */
  readonly errors: readonly number[];
  readonly seeds: readonly number[];
}

/** The deck's figure beside Tessera's: mean ± standard deviation, min–max, and every seed's error. */
export function formatTable(r: Result, deckError: number): string {
  const { mean, std } = meanStd(r.errors);
  const f = (x: number): string => x.toFixed(2);
  const rows: [string, string, string][] = [
    ['', 'data (train / test)', 'test error after the last epoch'],
    ['deck 1a (GTX 1080)', 'MNIST 60,000 / 10,000', `≈ ${deckError} %`],
    [
      `Tessera (CPU), ${r.errors.length} seeds`,
      `MNIST sample ${r.nTrain.toLocaleString('en-US')} / ${r.nTest.toLocaleString('en-US')}`,
      `${f(mean)} % ± ${f(std)} (min ${f(Math.min(...r.errors))}, max ${f(Math.max(...r.errors))})`,
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  return [
    `Deck 004 (EE-559 1a) classic CNN, ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}, SGD lr 0.1, batch 100, normalised inputs`,
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
    `per seed: ${r.seeds.map((s, i) => `seed ${s} ${f(r.errors[i])} %`).join(', ')}`,
  ].join('\n');
}
