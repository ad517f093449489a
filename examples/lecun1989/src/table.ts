import { type LeCun1989Net, lecun1989 } from '@tessera/models';
import { NETS, PAPER, type TrainSetup } from './experiment.js';
import { meanCurve, meanStd } from './stats.js';

/** Per network: the test curve (% correct per epoch) of every seeded draw. */
export type Curves = Readonly<Record<LeCun1989Net, readonly (readonly number[])[]>>;

/** What a curve's mean did: its peak and where the last epoch ended relative to it. */
interface CurveShape {
  readonly peak: number;
  readonly peakEpoch: number;
  readonly last: number;
}

/** Peak and last value of a network's mean test curve. */
function curveShape(curves: readonly (readonly number[])[]): CurveShape {
  const { mean } = meanCurve(curves);
  const peak = Math.max(...mean);
  return { peak, peakEpoch: mean.indexOf(peak) + 1, last: mean[mean.length - 1] };
}

const fmt = (v: number): string => v.toFixed(1).padStart(5);

/**
 * The paper's row beside Tessera's: per network, the paper's % correct, then the mean ±
 * std over draws of the last epoch's % correct, and the shape of the mean curve.
 */
export function formatTable(curves: Curves, s: TrainSetup & { seeds: number; nTrain: number; nTest: number }): string {
  const lines = [
    `Table 11.1 (LeCun 1989) vs Tessera: ${s.nTrain} training / ${s.nTest} test 16×16 digits, ${s.seeds} seeded draws, ${s.epochs} epochs,`,
    `SGD lr ${s.lr}${s.momentum ? ` momentum ${s.momentum}` : ''}, batch ${s.batchSize}, cross-entropy; % correct on the test digits ` +
      `after the last epoch`,
    '',
    'network  weights  paper   tessera mean ± std   (min–max)     mean curve: peak @epoch → last',
  ];
  for (const net of NETS) {
    const finals = curves[net].map((c) => c[c.length - 1]);
    const { mean, std } = meanStd(finals);
    const sh = curveShape(curves[net]);
    const weights = lecun1989(net).numParameters();
    lines.push(
      `Net-${net.slice(3)}    ${String(weights).padStart(6)}  ${fmt(PAPER[net])}   ${fmt(mean)} ± ${std.toFixed(1).padStart(4)}       ` +
        `(${fmt(Math.min(...finals))}–${fmt(Math.max(...finals)).trim()})   ${fmt(sh.peak)} @${String(sh.peakEpoch).padStart(2)} → ` +
          `${fmt(sh.last).trim()}`,
    );
  }
  return lines.join('\n');
}
