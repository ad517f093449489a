import type { LeCun1989Net } from '@tessera/models';
import { digits16, drawDigits } from './digits.js';
import { NETS, type TrainSetup, testCurve } from './experiment.js';
import { curvesSvg, page } from './plot.js';
import { meanCurve } from './stats.js';
import { type Curves, formatTable } from './table.js';

/** Options of {@link reproduce}. */
export interface ReproduceOptions extends TrainSetup {
  /** Seeded draws (seeds 1…seeds). */
  readonly seeds: number;
  readonly nTrain: number;
  readonly nTest: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** The reproduction's results: every curve, the printed table and the HTML page with the plot. */
export interface Reproduction {
  readonly curves: Curves;
  readonly table: string;
  readonly html: string;
}

/**
 * Runs Table 11.1: for each seed, one draw of training and test digits, and the five
 * networks trained on it from seeded initialisations; then the table and the learning
 * curves (mean ± std over draws) of Net-1 and Net-5.
 */
export async function reproduce(o: ReproduceOptions): Promise<Reproduction> {
  const all = { train: digits16('train'), test: digits16('test') };
  const curves: Record<LeCun1989Net, number[][]> = { net1: [], net2: [], net3: [], net4: [], net5: [] };
  for (let seed = 1; seed <= o.seeds; seed++) {
    const draw = drawDigits(all, seed, o.nTrain, o.nTest);
    for (const net of NETS) curves[net].push(await testCurve(net, draw, seed, o));
    o.log?.(`draw ${seed}/${o.seeds}: ${NETS.map((n) => `${n} ${curves[n][seed - 1].at(-1)?.toFixed(1)}%`).join(', ')}`);
  }
  const table = formatTable(curves, o);
  const band = (net: LeCun1989Net, name: string, color: string) => ({ name, color, ...meanCurve(curves[net]) });
  const svg = curvesSvg(`Test % correct per epoch, mean ± std over ${o.seeds} draws`, [
    band('net1', 'Net-1 (single layer)', '#d62728'),
    band('net5', 'Net-5 (constrained network 2)', '#1f77b4'),
  ]);
  const html = page(
    'LeCun 1989, Table 11.1, re-run with Tessera',
    `Learning curves on the test digits (${o.nTest} per draw) of Net-1 and Net-5, as in ESL Figure 11.11: the paper saw Net-1 overfit as ` +
      `epochs grow and Net-5 not.`,
    svg,
    table,
  );
  return { curves, table, html };
}
