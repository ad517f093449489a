/**
 * Peak live device bytes of a training step through `fit` (eager or compiled), with a
 * `DeviceMeter` on the backend from before the model and data exist, so every byte on it
 * is counted. A callback closes each step at `onBatchEnd`: the step's peak, and the live
 * bytes it started from (what the previous step left). Steps of the warm-up epoch (the
 * trace) are left out; the largest peak of the others is reported.
 */
import { getDefaultBackend, getBackend } from '@tessera/core';
import { SGD } from '@tessera/optim';
import { fit, type Callback } from '@tessera/train';
import { meterBackend, type DeviceMeter } from './memory-meter.js';
import { SECTION_LR, deviceData, type NetSpec } from './nets.js';
import type { Mode, PeakMemory } from './types.js';

function stepMeter(meter: DeviceMeter, into: { peakBytes: number; residentBytes: number }): Callback {
  let start = 0;
  return {
    onEpochBegin() {
      start = meter.live;
      meter.resetPeak();
    },
    onBatchEnd(_info, ctx) {
      if (ctx.epoch > 0 && meter.peak > into.peakBytes) {
        into.peakBytes = meter.peak;
        into.residentBytes = start;
      }
      start = meter.live;
      meter.resetPeak();
    },
  };
}

/** Peak memory of `spec`'s training step through `fit` on the default backend (2 epochs of `batches`). */
export async function fitPeakMemory(spec: NetSpec, mode: Mode, batches: number): Promise<PeakMemory> {
  const meter = meterBackend(getBackend(getDefaultBackend()));
  const into = { peakBytes: 0, residentBytes: 0 };
  try {
    const net = spec.make();
    const data = deviceData(spec, batches);
    await fit(net, data, {
      loss: 'crossEntropy',
      optimizer: new SGD(net.parameters(), { lr: SECTION_LR }),
      batchSize: spec.batch,
      epochs: 2,
      compile: mode === 'compiled',
      callbacks: [stepMeter(meter, into)],
    });
    data.x.dispose();
    data.y.dispose();
    for (const p of net.parameters()) p.dispose();
  } finally {
    meter.restore();
  }
  return { net: spec.id, mode, ...into };
}
