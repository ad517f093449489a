/** Turns the cells into the printed tables: throughput with ratios, and output agreement. */
import type { LibName } from './adapters/types.js';
import type { Cell } from './cell.js';
import { fmtMs, fmtNum, fmtRatio, fmtSci, renderTable, type Align } from './table.js';
import type { Workload } from './workloads/types.js';

export interface Row {
  readonly workload: Workload;
  readonly cells: ReadonlyMap<LibName, Cell>;
}

/** Relative difference above which the agreement table flags a mismatch. */
const MISMATCH_REL = 1e-3;

export class Notes {
  private readonly list: string[] = [];
  ref(text: string): string {
    let i = this.list.indexOf(text);
    if (i < 0) i = this.list.push(text) - 1;
    return `[${i + 1}]`;
  }
  render(): string {
    return this.list.map((t, i) => `[${i + 1}] ${t}`).join('\n');
  }
  get size(): number {
    return this.list.length;
  }
}

function cellText(c: Cell | undefined, lib: LibName, notes: Notes): string {
  if (!c) return '-';
  let s: string;
  switch (c.kind) {
    case 'ok':
      s = `${fmtNum(c.throughput)} (${fmtMs(c.timing.medianMs)})${c.timing.single ? '*' : ''}`;
      break;
    case 'n/a':
      s = c.message ? `n/a ${notes.ref(`${lib}: ${c.message}`)}` : 'n/a';
      break;
    case 'mismatch':
      s = `MISMATCH ${notes.ref(`${lib}: ${c.message}`)}`;
      break;
    case 'unavailable':
      s = `unavailable ${notes.ref(`${lib}: ${c.message}`)}`;
      break;
    case 'unsupported':
      s = `unsupported ${notes.ref(`${lib}: ${c.message}`)}`;
      break;
    case 'error':
      s = `error ${notes.ref(`${lib}: ${c.message}`)}`;
      break;
  }
  if (c.leaked)
    s += ` leak ${notes.ref(`${lib}: ${c.leaked > 0 ? c.leaked : `${c.leaked} (fewer)`} tensors alive after the cell was disposed`)}`;
  return s;
}

/** Ratio columns: Tessera's column over the other library's, each on the same hardware. */
const RATIO_PAIRS: readonly (readonly [LibName, LibName])[] = [
  ['tessera-cpu', 'tfjs-cpu'],
  ['tessera-cpu', 'tfjs-wasm'],
  ['tessera-cpu', 'onnx'],
  ['tessera-webgpu', 'tfjs-webgpu'],
];

const ratioHeader = ([t, o]: readonly [LibName, LibName]) => (t === 'tessera-cpu' ? `tessera/${o}` : `${t}/${o}`);

export function throughputTable(rows: readonly Row[], libs: readonly LibName[], notes: Notes): string {
  const pairs = RATIO_PAIRS.filter(([t, o]) => libs.includes(t) && libs.includes(o));
  const headers = ['workload', 'unit', ...libs, ...pairs.map(ratioHeader)];
  const align: Align[] = ['l', 'l', ...libs.map(() => 'r' as const), ...pairs.map(() => 'r' as const)];
  const body = rows.map(({ workload: w, cells }) => {
    const ratios = pairs.map(([tl, ol]) => {
      const t = cells.get(tl);
      const o = cells.get(ol);
      return t?.kind === 'ok' && o?.kind === 'ok' ? fmtRatio(t.throughput / o.throughput) : '-';
    });
    return [w.label, w.unit, ...libs.map((l) => cellText(cells.get(l), l, notes)), ...ratios];
  });
  return renderTable(headers, body, align);
}

/** Max |a − b| and max |ref|. */
function diff(a: Float32Array, ref: Float32Array): { abs: number; scale: number } {
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { abs, scale };
}

/** Preferred agreement references: Tessera's CPU backend, then its WebGPU backend. */
const REFERENCE_ORDER: readonly LibName[] = ['tessera-cpu', 'tessera-webgpu'];

/**
 * Probe of each library against a reference (tessera-cpu when it ran, else tessera-webgpu,
 * else the first library that did): max |Δ| and max |Δ| / max |ref|. Training probes are the loss of the first
 * step and the gradient of every parameter that step applied, from identical weights.
 */
export function agreementTable(rows: readonly Row[], libs: readonly LibName[]): { table: string; mismatches: number } {
  let mismatches = 0;
  const body = rows.map(({ workload: w, cells }) => {
    const ok = libs.filter((l) => cells.get(l)?.kind === 'ok');
    const refLib = REFERENCE_ORDER.find((l) => ok.includes(l)) ?? ok[0];
    const probe = (l: LibName) => {
      const c = cells.get(l);
      return c?.kind === 'ok' ? c.timing.probe : undefined;
    };
    const ref = refLib ? probe(refLib) : undefined;
    const tolerance = w.tolerance ?? MISMATCH_REL;
    const cols = libs.map((l) => {
      const c = cells.get(l);
      if (c?.kind === 'mismatch') {
        mismatches++;
        return `MISMATCH (${c.message})`;
      }
      const p = probe(l);
      if (!ref || !p) return '-';
      if (l === refLib) return 'reference';
      if (p.length !== ref.length) {
        mismatches++;
        return `MISMATCH (length ${p.length} vs ${ref.length})`;
      }
      const { abs, scale } = diff(p, ref);
      const rel = scale > 0 ? abs / scale : abs;
      const bad = !(rel <= tolerance);
      if (bad) mismatches++;
      return `${fmtSci(abs)} (rel ${fmtSci(rel)})${bad ? ' MISMATCH' : ''}`;
    });
    return [w.label, `${w.probe}${w.tolerance !== undefined ? ` (≤ ${fmtSci(w.tolerance)} rel)` : ''}`, ...cols];
  });
  const align: Align[] = ['l', 'l', ...libs.map(() => 'r' as const)];
  return { table: renderTable(['workload', 'probe', ...libs], body, align), mismatches };
}

/** Results as plain JSON (probes left out). */
export function toJson(rows: readonly Row[]): unknown {
  return rows.map(({ workload: w, cells }) => ({
    id: w.id,
    label: w.label,
    unit: w.unit,
    cells: Object.fromEntries(
      [...cells].map(([lib, c]) => [
        lib,
        c.kind === 'ok'
          ? {
              kind: c.kind,
              throughput: c.throughput,
              medianMs: c.timing.medianMs,
              minMs: c.timing.minMs,
              runs: c.timing.runs,
              singleRun: c.timing.single,
              leaked: c.leaked ?? 0,
            }
          : { ...c },
      ]),
    ),
  }));
}

/**
 * Thread scaling of the rows that come in thread-count families (e.g. ResNet-18 b1 on 1 and
 * 2 threads): per library that takes a thread count, the median time at each count and the
 * speed-up of the largest count over 1 thread. Empty when no family has two counts.
 */
export function scalingTable(rows: readonly Row[], libs: readonly LibName[]): string {
  const families = new Map<string, Row[]>();
  for (const r of rows) {
    const f = r.workload.family;
    if (f !== undefined && r.workload.threads !== undefined) families.set(f, [...(families.get(f) ?? []), r]);
  }
  const body: string[][] = [];
  for (const [family, rs] of families) {
    const sorted = [...rs].sort((a, b) => a.workload.threads! - b.workload.threads!);
    const one = sorted[0]!;
    const most = sorted[sorted.length - 1]!;
    if (one.workload.threads !== 1 || most === one) continue;
    for (const l of libs) {
      const a = one.cells.get(l);
      const b = most.cells.get(l);
      if (a?.kind !== 'ok' || b?.kind !== 'ok') continue;
      body.push([
        family,
        l,
        fmtMs(a.timing.medianMs),
        `${fmtMs(b.timing.medianMs)} (${most.workload.threads})`,
        fmtRatio(a.timing.medianMs / b.timing.medianMs),
      ]);
    }
  }
  return body.length ? renderTable(['workload', 'library', '1 thread', 'n threads', 'speed-up'], body, ['l', 'l', 'r', 'r', 'r']) : '';
}
