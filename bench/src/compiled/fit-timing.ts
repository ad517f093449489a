/**
 * Training through `fit` as a user runs it — `{ x, y }` tensors already on the device,
 * loss 'crossEntropy', SGD lr 0.1, shuffling on — timed per epoch with a callback, eager
 * (`compile: false`) or compiled (fit's default).
 */
import { SGD } from '@tessera/optim';
import { fit, type Callback } from '@tessera/train';
import type { Sequential } from '@tessera/layers';
import type { Tensor } from '@tessera/core';
import { SECTION_LR, type NetSpec } from './nets.js';
import type { SectionPlan } from './plan.js';
import type { CompileCounters, Mode } from './types.js';

/** Per-epoch wall times (ms) and counter deltas of one `fit` call, warm-up epoch left out. */
export interface EpochSamples {
  readonly epochMs: number[];
  /** Process CPU time of each timed epoch (ms). */
  readonly epochCpuMs: number[];
  readonly counts: number[];
  counters: CompileCounters | null;
}

/** Process CPU time so far (user + system, all threads), ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Times each epoch from `onEpochBegin` to `onEpochEnd` (which follows the epoch's loss readback). */
function epochTimer(samples: EpochSamples, counter: () => number): Callback {
  let t0 = 0;
  let c0 = 0;
  let u0 = 0;
  return {
    onEpochBegin() {
      c0 = counter();
      u0 = cpuMs();
      t0 = performance.now();
    },
    onEpochEnd(epoch) {
      const ms = performance.now() - t0;
      const cpu = cpuMs() - u0;
      if (epoch === 0) return; // warm-up: traces, pipeline compilation, first allocations
      samples.epochMs.push(ms);
      samples.epochCpuMs.push(cpu);
      samples.counts.push(counter() - c0);
    },
  };
}

/** One `fit` call of `plan.epochs` epochs on `data`; appends its timed epochs to `samples`. */
export async function fitEpochs(
  spec: NetSpec,
  net: Sequential,
  data: { x: Tensor; y: Tensor },
  mode: Mode,
  plan: SectionPlan,
  samples: EpochSamples,
  counter: () => number = () => 0,
): Promise<void> {
  const history = await fit(net, data, {
    loss: 'crossEntropy',
    optimizer: new SGD(net.parameters(), { lr: SECTION_LR }),
    batchSize: spec.batch,
    epochs: plan.epochs,
    compile: mode === 'compiled',
    callbacks: [epochTimer(samples, counter)],
  });
  const c = history.compile;
  samples.counters = c ? { traces: c.traces, replays: c.replays, deviceReplays: c.deviceReplays } : null;
}
