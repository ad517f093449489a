/**
 * The measurements each child process makes, on one backend each: Dawn's null backend
 * (host cost per step and dispatches, `fit` and the hand-written loop), the CPU backend
 * (fit throughput, peak memory) and a WebGPU adapter (fit throughput) where there is one.
 */
import os from 'node:os';
import { getBackend, getDefaultBackend, type Tensor } from '@tessera/core';
import { alternate, summarize } from './ab.js';
import { fitEpochs } from './fit-timing.js';
import { fitPeakMemory } from './fit-memory.js';
import { loopEpochs } from './loop-timing.js';
import { NETS, deviceData, type NetSpec } from './nets.js';
import type { SectionPlan } from './plan.js';
import type { NetId, PartResult, PeakMemory, StepTiming } from './types.js';

const log = (s: string) => process.stderr.write(`compiled: ${s}\n`);

/** The default backend's dispatch counter (webgpu's `info().dispatches`), or null. */
export function dispatchCounter(): (() => number) | null {
  const b = getBackend(getDefaultBackend());
  return typeof b.info?.().dispatches === 'number' ? () => Number(b.info!().dispatches) : null;
}

/** Eager and compiled `fit`, alternated, on one net. */
export async function fitTimings(spec: NetSpec, plan: SectionPlan, counter: (() => number) | null): Promise<StepTiming[]> {
  const net = spec.make();
  const data = deviceData(spec, plan.batchesPerEpoch);
  const s = await alternate(plan.rounds, (mode, samples) => fitEpochs(spec, net, data, mode, plan, samples, counter ?? undefined));
  disposeAll([data.x, data.y]);
  const out = (['eager', 'compiled'] as const).map((m) => summarize(spec, 'fit', m, s[m], plan.batchesPerEpoch, counter !== null));
  out.forEach((t) => log(`${spec.id} fit ${t.mode}: ${t.msPerStep.toFixed(2)} ms/step`));
  return out;
}

/** Eager and compiled hand-written loop, alternated, on one net. */
export async function loopTimings(spec: NetSpec, plan: SectionPlan, counter: (() => number) | null): Promise<StepTiming[]> {
  const net = spec.make();
  const batches = Array.from({ length: plan.batchesPerEpoch }, (_, i) => deviceData(spec, 1, 100 + i));
  const s = await alternate(plan.rounds, (mode, samples) => loopEpochs(net, batches, mode, plan, samples, counter ?? undefined));
  disposeAll(batches.flatMap((b) => [b.x, b.y]));
  const out = (['eager', 'compiled'] as const).map((m) => summarize(spec, 'loop', m, s[m], plan.batchesPerEpoch, counter !== null));
  out.forEach((t) => log(`${spec.id} loop ${t.mode}: ${t.msPerStep.toFixed(2)} ms/step`));
  return out;
}

/** Peak step memory, eager then compiled, on one net. */
export async function memoryPeaks(id: NetId, batches: number): Promise<PeakMemory[]> {
  const out: PeakMemory[] = [];
  for (const mode of ['eager', 'compiled'] as const) out.push(await fitPeakMemory(NETS[id], mode, batches));
  return out;
}

function disposeAll(ts: readonly Tensor[]): void {
  for (const t of ts) t.dispose();
}

export function partResult(backend: string, fields: Partial<Pick<PartResult, 'unavailable' | 'timings' | 'memory'>>): PartResult {
  return { backend, unavailable: fields.unavailable ?? null, timings: fields.timings ?? [], memory: fields.memory ?? [], load: os.loadavg() };
}
