/** Eager and compiled runs alternated (A B A B ...) so that load changes hit both; samples pooled. */
import { median } from '../timing.js';
import type { EpochSamples } from './clock.js';
import type { NetSpec } from './nets.js';
import type { Driver, Mode, StepTiming } from './types.js';

export const MODES: readonly Mode[] = ['eager', 'compiled'];

export const emptySamples = (): EpochSamples => ({ epochMs: [], epochCpuMs: [], counts: [], counters: null });

/** Runs `run(mode, samples)` for eager then compiled, `rounds` times. */
export async function alternate(
  rounds: number,
  run: (mode: Mode, samples: EpochSamples) => Promise<void>,
): Promise<Record<Mode, EpochSamples>> {
  const out: Record<Mode, EpochSamples> = { eager: emptySamples(), compiled: emptySamples() };
  for (let r = 0; r < rounds; r++) for (const m of MODES) await run(m, out[m]);
  return out;
}

/** The median ms per step of the pooled epochs, and the counter per step (null without a counter). */
export function summarize(
  spec: NetSpec,
  driver: Driver,
  mode: Mode,
  s: EpochSamples,
  batchesPerEpoch: number,
  counted: boolean,
): StepTiming {
  const steps = s.epochMs.length * batchesPerEpoch;
  const total = s.counts.reduce((a, b) => a + b, 0);
  return {
    net: spec.id,
    driver,
    mode,
    batch: spec.batch,
    msPerStep: median(s.epochMs.map((ms) => ms / batchesPerEpoch)),
    cpuMsPerStep: median(s.epochCpuMs.map((ms) => ms / batchesPerEpoch)),
    steps,
    dispatchesPerStep: counted && steps > 0 ? total / steps : null,
    counters: s.counters,
  };
}
