/** Runs one (workload, library) cell: prepare, time, dispose, check for leaks; never throws. */
import type { Adapter } from './adapters/types.js';
import { Unsupported } from './adapters/types.js';
import { measure, type Timing, type TimingOptions } from './timing.js';
import type { Workload } from './workloads/types.js';

export type Cell = (
  | { readonly kind: 'ok'; readonly timing: Timing; readonly throughput: number }
  | { readonly kind: 'n/a' }
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
  if (e instanceof Unsupported || /not registered|not (yet )?(implemented|supported)|no kernel|unsupported/i.test(message)) {
    return { kind: 'unsupported', message };
  }
  return { kind: 'error', message };
}

export async function runCell(w: Workload, a: Adapter, t: TimingOptions): Promise<Cell> {
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
    const timing = await measure(runner, t);
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
