/**
 * The measurements each child process makes, on one backend each: Dawn's null backend
 * (host cost per step and dispatches, `fit` and the hand-written loop), the CPU backend
 * (fit throughput, peak memory) and a WebGPU adapter (fit throughput) where there is one.
 */
import os from 'node:os';
import { getBackend, getDefaultBackend, type Tensor } from '@tessera/core';
import { MODES, alternate, summarize } from './ab.js';
import type { EpochSamples } from './clock.js';
import { fitEpochs } from './fit-timing.js';
import { fitPeakMemory } from './fit-memory.js';
import { loopEpochs } from './loop-timing.js';
import { NETS, deviceData, type NetSpec } from './nets.js';
import type { SectionPlan } from './plan.js';
import type { Driver, Mode, NetId, PartResult, PeakMemory, StepTiming } from './types.js';

const log = (s: string) => process.stderr.write(`compiled: ${s}\n`);

/** The default backend's dispatch counter (webgpu's `info().dispatches`), or null. */
export function dispatchCounter(): (() => number) | null {
  const b = getBackend(getDefaultBackend());
  return typeof b.info?.().dispatches === 'number' ? () => Number(b.info!().dispatches) : null;
}

/** Eager and compiled runs of one net through `fit` or the hand-written loop, alternated. */
export async function stepTimings(spec: NetSpec, driver: Driver, plan: SectionPlan, counter: (() => number) | null): Promise<StepTiming[]> {
  const net = spec.make();
  const count = counter ?? undefined;
  let data: { x: Tensor; y: Tensor }[];
  let run: (mode: Mode, samples: EpochSamples) => Promise<void>;
  if (driver === 'fit') {
    data = [deviceData(spec, plan.batchesPerEpoch)];
    run = (mode, samples) => fitEpochs(spec, net, data[0], mode, plan, samples, count);
  } else {
    data = Array.from({ length: plan.batchesPerEpoch }, (_, i) => deviceData(spec, 1, 100 + i));
    run = (mode, samples) => loopEpochs(net, data, mode, plan, samples, count);
  }
  const s = await alternate(plan.rounds, run);
  for (const d of data) disposeAll([d.x, d.y]);
  const out = MODES.map((m) => summarize(spec, driver, m, s[m], plan.batchesPerEpoch, counter !== null));
  out.forEach((t) => log(`${spec.id} ${driver} ${t.mode}: ${t.msPerStep.toFixed(2)} ms/step (${t.cpuMsPerStep.toFixed(2)} CPU ms)`));
  return out;
}

/** Peak step memory, eager then compiled, on one net. */
export async function memoryPeaks(id: NetId, batches: number): Promise<PeakMemory[]> {
  const out: PeakMemory[] = [];
  for (const mode of MODES) out.push(await fitPeakMemory(NETS[id], mode, batches));
  return out;
}

function disposeAll(ts: readonly Tensor[]): void {
  for (const t of ts) t.dispose();
}

export function partResult(backend: string, fields: Partial<Pick<PartResult, 'unavailable' | 'timings' | 'memory'>>): PartResult {
  return {
    backend,
    unavailable: fields.unavailable ?? null,
    timings: fields.timings ?? [],
    memory: fields.memory ?? [],
    load: os.loadavg(),
  };
}
