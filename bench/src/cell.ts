/** Runs one (workload, library) cell: prepare, time, dispose, check for leaks; never throws. */
import type { Adapter } from './adapters/types.js';
import { NotApplicable, Unsupported } from './adapters/types.js';
import { measure, OutputMismatch, type Timing, type TimingOptions } from './timing.js';
import type { Workload } from './workloads/types.js';

export type Cell = (
  | { readonly kind: 'ok'; readonly timing: Timing; readonly throughput: number }
  | { readonly kind: 'n/a'; readonly message?: string }
  /** The first run's output differed from the reference beyond the row's tolerance: not timed. */
  | { readonly kind: 'mismatch'; readonly message: string }
  | { readonly kind: 'unavailable'; readonly message: string }
  | { readonly kind: 'unsupported'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string }
) & {
  /** Tensors still alive after the runner was disposed (0 or absent: no leak). */
  readonly leaked?: number;
};

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);

/** Missing kernels / gradients are "unsupported"; anything else is an error. */
function classify(e: unknown): Cell {
  const message = firstLine(e);
  if (e instanceof NotApplicable) return { kind: 'n/a', message };
  if (e instanceof OutputMismatch) return { kind: 'mismatch', message };
  if (e instanceof Unsupported || /not registered|not (yet )?(implemented|supported)|no kernel|unsupported/i.test(message)) {
    return { kind: 'unsupported', message };
  }
  return { kind: 'error', message };
}

/**
 * `reference`: a probe computed earlier in the row (Tessera's); where the workload sets a
 * tolerance, the cell's first output is checked against it before any timed run.
 */
export async function runCell(
  w: Workload,
  a: Adapter,
  t: TimingOptions,
  reference?: { readonly lib: string; readonly probe: Float32Array },
): Promise<Cell> {
  try {
    await a.activate();
  } catch (e) {
    return { kind: 'unavailable', message: firstLine(e) };
  }
  const before = a.liveTensors();
  let runner;
  try {
    runner = await w.prepare(a);
  } catch (e) {
    return withLeak(classify(e), before, a.liveTensors());
  }
  if (!runner) return { kind: 'n/a' };
  let cell: Cell;
  try {
    const check = reference && w.tolerance !== undefined ? checkAgainst(reference, w.tolerance) : undefined;
    const timing = await measure(runner, t, check);
    cell = { kind: 'ok', timing, throughput: w.throughput(timing.medianMs) };
  } catch (e) {
    cell = classify(e);
  }
  try {
    runner.dispose();
  } catch (e) {
    if (cell.kind === 'ok') cell = { kind: 'error', message: `dispose failed: ${firstLine(e)}` };
  }
  return withLeak(cell, before, a.liveTensors());
}

function withLeak(cell: Cell, before: number | undefined, after: number | undefined): Cell {
  return before !== undefined && after !== undefined && after !== before ? { ...cell, leaked: after - before } : cell;
}

/** Max |Δ| / max |reference| of two probes (Infinity for a length mismatch). */
export function relativeDifference(p: Float32Array, ref: Float32Array): number {
  if (p.length !== ref.length) return Infinity;
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    abs = Math.max(abs, Math.abs(p[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale > 0 ? abs / scale : abs;
}

function checkAgainst(reference: { readonly lib: string; readonly probe: Float32Array }, tolerance: number): (probe: Float32Array) => void {
  return (probe) => {
    const rel = relativeDifference(probe, reference.probe);
    if (!(rel <= tolerance)) {
      throw new OutputMismatch(`output differs from ${reference.lib}'s by ${rel.toExponential(2)} relative (tolerance ` +
        `${tolerance}${probe.length !== reference.probe.length ? `; length ${probe.length} vs ${reference.probe.length}` : ''}); not ` +
          `timed`);
    }
  };
}
