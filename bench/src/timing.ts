/**
 * Timing: one cold run (then the probe for the agreement check, untimed), a few warm-up
 * runs, then timed runs until ~minTimeMs has passed (at least minRuns, at most maxRuns,
 * never past maxTimeMs). The report is the median. Every run reads its result back, so
 * asynchronous backends are timed to completion. A cell whose single run already takes
 * longer than slowRunMs is not repeated: that one run is reported and flagged.
 */
import type { Runner } from './adapters/types.js';

export interface TimingOptions {
  readonly warmupRuns: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  readonly slowRunMs: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  warmupRuns: 2,
  minTimeMs: 1000,
  maxTimeMs: 3000,
  minRuns: 3,
  maxRuns: 50,
  slowRunMs: 2000,
};

export const QUICK_TIMING: TimingOptions = {
  warmupRuns: 1,
  minTimeMs: 250,
  maxTimeMs: 1000,
  minRuns: 2,
  maxRuns: 10,
  slowRunMs: 1000,
};

/**
 * Rows whose single iteration takes seconds (the convnets): the cold run is only a warm-up
 * (it includes first-touch memory growth and worker start-up), then 3 timed runs (1 with
 * --quick) unless they pass maxTimeMs; a single run is reported only past slowRunMs.
 */
export const SLOW_ROW_TIMING: TimingOptions = {
  warmupRuns: 1,
  minTimeMs: 0,
  maxTimeMs: 8000,
  minRuns: 3,
  maxRuns: 10,
  slowRunMs: 30_000,
};

export const QUICK_SLOW_ROW_TIMING: TimingOptions = {
  warmupRuns: 1,
  minTimeMs: 0,
  maxTimeMs: 3000,
  minRuns: 1,
  maxRuns: 5,
  slowRunMs: 15_000,
};

export interface Timing {
  /** Median of the timed runs (ms). */
  readonly medianMs: number;
  readonly minMs: number;
  /** Timed runs behind the median. */
  readonly runs: number;
  /** True when the cell was cut to its single cold run (slower than slowRunMs). */
  readonly single: boolean;
  /** The runner's probe after the first run (or what the first run returned). */
  readonly probe: Float32Array;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const now = () => performance.now();

/** Thrown by a `measure` check when the first output is wrong: the cell is not timed. */
export class OutputMismatch extends Error {}

/** `check` sees the probe of the first run before anything is timed, and may throw. */
export async function measure(runner: Runner, o: TimingOptions, check?: (probe: Float32Array) => void): Promise<Timing> {
  const run = () => runner.run();
  let t = now();
  const first = await run();
  const coldMs = now() - t;
  const probe = runner.probe ? await runner.probe() : first;
  check?.(probe);
  if (coldMs > o.slowRunMs) return { medianMs: coldMs, minMs: coldMs, runs: 1, single: true, probe };

  const warmStart = now();
  for (let i = 1; i < o.warmupRuns && now() - warmStart < o.minTimeMs; i++) await run();

  const times: number[] = [];
  const start = now();
  for (;;) {
    t = now();
    await run();
    times.push(now() - t);
    const elapsed = now() - start;
    if (times.length >= o.maxRuns || elapsed >= o.maxTimeMs) break;
    if (elapsed >= o.minTimeMs && times.length >= o.minRuns) break;
  }
  return { medianMs: median(times), minMs: Math.min(...times), runs: times.length, single: false, probe };
}
