/** Markdown tables of the compiled-step section (pure: results in, lines out). */
import { fmtNum, fmtRatio, renderTable } from '../table.js';
import { NETS } from './nets.js';
import type { TorchResult } from './torch.js';
import type { Driver, Mode, NetId, PartResult, PeakMemory, StepTiming } from './types.js';

const NET_IDS: readonly NetId[] = ['mlp', 'cnn'];
const DRIVER_LABEL: Record<Driver, string> = { fit: 'fit', loop: 'hand-written loop' };

const netLabel = (id: NetId): string => `${NETS[id].label} b${NETS[id].batch}`;

/** `uptime`'s three load averages. */
export const fmtLoad = (load: readonly number[]): string =>
  load.length ? `load average ${load.map((l) => l.toFixed(2)).join(', ')}` : 'load average unknown';

export const fmtMiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const find = (ts: readonly StepTiming[], net: NetId, driver: Driver, mode: Mode) =>
  ts.find((t) => t.net === net && t.driver === driver && t.mode === mode);

const stepMs = (t: StepTiming) => `${t.msPerStep.toFixed(2)} (${t.cpuMsPerStep.toFixed(2)})`;
const dispatches = (t: StepTiming) => (t.dispatchesPerStep === null ? 'n/a' : fmtNum(t.dispatchesPerStep));
const replays = (t: StepTiming) => (t.counters ? `${t.counters.traces} / ${t.counters.replays} / ${t.counters.deviceReplays}` : '—');

/** Host ms per step on Dawn's null backend: eager vs compiled, fit and the hand-written loop. */
export function hostCostTable(ts: readonly StepTiming[]): string {
  const rows: string[][] = [];
  for (const net of NET_IDS) {
    for (const driver of ['fit', 'loop'] as const) {
      const e = find(ts, net, driver, 'eager');
      const c = find(ts, net, driver, 'compiled');
      if (!e || !c) continue;
      rows.push([
        netLabel(net),
        DRIVER_LABEL[driver],
        stepMs(e),
        stepMs(c),
        `${fmtRatio(e.msPerStep / c.msPerStep)} (${fmtRatio(e.cpuMsPerStep / c.cpuMsPerStep)})`,
        `${dispatches(e)} / ${dispatches(c)}`,
        replays(c),
        String(c.steps),
      ]);
    }
  }
  const headers = [
    'workload',
    'driver',
    'eager ms/step (CPU ms)',
    'compiled ms/step (CPU ms)',
    'eager/compiled (CPU)',
    'dispatches/step eager / compiled',
    'traces / replays / device replays',
    'timed steps each',
  ];
  return renderTable(headers, rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r']);
}

const rate = (t: StepTiming) => (t.batch * 1000) / t.msPerStep;

/** Samples/s through fit, eager vs compiled, per backend; torch-cpu beside tessera-cpu where it ran. */
export function throughputTable(parts: readonly PartResult[], torch: TorchResult): string {
  const withTorch = torch.ok;
  const rows: string[][] = [];
  for (const net of NET_IDS) {
    for (const p of parts) {
      const e = find(p.timings, net, 'fit', 'eager');
      const c = find(p.timings, net, 'fit', 'compiled');
      if (!e || !c) continue;
      const row = [netLabel(net), p.backend, fmtNum(rate(e)), fmtNum(rate(c)), fmtRatio(rate(c) / rate(e))];
      if (withTorch) {
        const t = p.backend === 'tessera-cpu' ? torch.samplesPerSec[net] : undefined;
        row.push(t === undefined ? '—' : fmtNum(t), t === undefined ? '—' : fmtRatio(rate(c) / t));
      }
      rows.push(row);
    }
  }
  const headers = ['workload', 'backend', 'eager samples/s', 'compiled samples/s', 'compiled/eager'];
  if (withTorch) headers.push(`torch-cpu samples/s (${torch.version}, ${torch.threads} threads)`, 'compiled/torch');
  return renderTable(headers, rows, headers.map((_, i) => (i < 2 ? 'l' : 'r')));
}

/** Peak live device bytes of a training step through fit, eager vs compiled. */
export function memoryTable(ms: readonly PeakMemory[]): string {
  const rows: string[][] = [];
  for (const net of NET_IDS) {
    const e = ms.find((m) => m.net === net && m.mode === 'eager');
    const c = ms.find((m) => m.net === net && m.mode === 'compiled');
    if (!e || !c) continue;
    const own = (m: PeakMemory) => m.peakBytes - m.residentBytes;
    rows.push([
      netLabel(net),
      fmtMiB(e.peakBytes),
      fmtMiB(c.peakBytes),
      `${((100 * c.peakBytes) / e.peakBytes).toFixed(0)} %`,
      `${fmtMiB(e.residentBytes)} / ${fmtMiB(c.residentBytes)}`,
      `${fmtMiB(own(e))} / ${fmtMiB(own(c))}`,
      `${((100 * own(c)) / own(e)).toFixed(0)} %`,
    ]);
  }
  const headers = [
    'workload',
    'eager peak',
    'compiled peak',
    'compiled/eager',
    'resident between steps (eager / compiled)',
    'step above resident (eager / compiled)',
    'compiled/eager above resident',
  ];
  return renderTable(headers, rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r']);
}
