/** What the compiled-step section measures (issue 15), as the child processes report it. */

export type NetId = 'mlp' | 'cnn';
export type Mode = 'eager' | 'compiled';
/** `fit` as a user runs it, or a hand-written PyTorch-style loop. */
export type Driver = 'fit' | 'loop';

/** Counters of a compiled step (`history.compile`, or the compiled function's `stats`). */
export interface CompileCounters {
  readonly traces: number;
  readonly replays: number;
  readonly deviceReplays: number;
}

/** One (net, driver, mode) timing on one backend. */
export interface StepTiming {
  readonly net: NetId;
  readonly driver: Driver;
  readonly mode: Mode;
  readonly batch: number;
  /** Median wall time of one step over the timed epochs (each epoch's time / its steps). */
  readonly msPerStep: number;
  /** Median process CPU time of one step (all threads: JS, GC, Dawn); steadier than wall time on a shared machine. */
  readonly cpuMsPerStep: number;
  /** Steps the median was taken over (timed epochs × batches per epoch). */
  readonly steps: number;
  /** Backend dispatch counter delta / steps (webgpu's `info().dispatches`), or null where there is none. */
  readonly dispatchesPerStep: number | null;
  /** The compiled step's counters, or null for an eager run. */
  readonly counters: CompileCounters | null;
}

/** Live device bytes around a CNN training step through `fit`. */
export interface PeakMemory {
  readonly net: NetId;
  readonly mode: Mode;
  /** Highest live bytes during a step (everything on the backend: data, weights, state, intermediates). */
  readonly peakBytes: number;
  /** Live bytes at the end of the step before it (what stays between steps). */
  readonly residentBytes: number;
}

/** What one child process reports. */
export interface PartResult {
  /** Backend label: 'webgpu (Dawn null)', 'tessera-cpu', 'tessera-webgpu'. */
  readonly backend: string;
  /** Why nothing was measured (no adapter...), or null. */
  readonly unavailable: string | null;
  readonly timings: readonly StepTiming[];
  readonly memory: readonly PeakMemory[];
  /** `uptime`-style load averages when the part ended. */
  readonly load: readonly number[];
}
