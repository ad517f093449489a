import type { Adapter, Runner } from '../adapters/types.js';

/** One row of the table: the same computation, prepared on each library in turn. */
export interface Workload {
  /** Stable id used by --filter / BENCH_FILTER (substring match). */
  readonly id: string;
  /** Row label. */
  readonly label: string;
  /** Unit of `throughput`. */
  readonly unit: 'GFLOP/s' | 'samples/s' | 'steps/s';
  /** Throughput from the median time of one iteration. */
  throughput(ms: number): number;
  /** Prepares the workload on a library; undefined when the library has no such path. */
  prepare(adapter: Adapter): Promise<Runner> | undefined;
  /** What the probe holds (for the agreement table). */
  readonly probe: string;
  /** Only GPU columns run it; the row is left out when no GPU column is available. */
  readonly gpuOnly?: boolean;
  /**
   * Relative agreement required of every library (max |Δ| / max |reference|). When set, a
   * cell's first output is checked against Tessera's before timing, and a cell beyond it is
   * not timed. Default: the agreement table's 1e-3, checked after the run.
   */
  readonly tolerance?: number;
  /** One iteration takes seconds: timed with SLOW_ROW_TIMING (cold run as warm-up, few runs). */
  readonly slow?: boolean;
  /** Thread scaling: the row runs with this many threads, and pairs with the rows of the same `family`. */
  readonly threads?: number;
  readonly family?: string;
}

/** Memoises a data generator so every library gets the very same arrays. */
export function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}
