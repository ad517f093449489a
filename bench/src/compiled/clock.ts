/** Per-epoch wall time, process CPU time and a counter delta (fit's callback and the loop share it). */
import type { CompileCounters } from './types.js';

/** What the timed epochs of one or more runs of one mode collected. */
export interface EpochSamples {
  /** Wall time of each timed epoch (ms). */
  readonly epochMs: number[];
  /** Process CPU time of each timed epoch (ms). */
  readonly epochCpuMs: number[];
  /** Counter delta (dispatches) of each timed epoch. */
  readonly counts: number[];
  counters: CompileCounters | null;
}

/** The counters the section reports, from a compiled step's stats (null when it ran eagerly). */
export function countersOf(s: CompileCounters | null | undefined): CompileCounters | null {
  return s ? { traces: s.traces, replays: s.replays, deviceReplays: s.deviceReplays } : null;
}

/** Process CPU time so far (user + system, all threads), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface EpochClock {
  start(): void;
  /** Ends the epoch; records it into `samples` unless it is a warm-up epoch (`timed` false). */
  stop(samples: EpochSamples, timed: boolean): void;
}

export function epochClock(counter: () => number = () => 0): EpochClock {
  let t0 = 0;
  let u0 = 0;
  let c0 = 0;
  return {
    start() {
      c0 = counter();
      u0 = cpuMs();
      t0 = performance.now();
    },
    stop(samples, timed) {
      const ms = performance.now() - t0;
      const cpu = cpuMs() - u0;
      if (!timed) return;
      samples.epochMs.push(ms);
      samples.epochCpuMs.push(cpu);
      samples.counts.push(counter() - c0);
    },
  };
}
