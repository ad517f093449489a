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
import { countersOf, epochClock, type EpochSamples } from './clock.js';
import type { Mode } from './types.js';

/** Times each epoch from `onEpochBegin` to `onEpochEnd` (which follows the epoch's loss readback); epoch 0 warms up. */
function epochTimer(samples: EpochSamples, counter?: () => number): Callback {
  const clock = epochClock(counter);
  return {
    onEpochBegin: () => clock.start(),
    onEpochEnd: (epoch) => clock.stop(samples, epoch > 0),
  };
}

/** One `fit` call of `plan.epochs` epochs on `data`; appends its timed epochs to `samples`. */
/**
 * Settings of the timed fits. On Dawn's null backend nothing computes, so losses are
 * garbage: the divergence guard (on by default in fit) is turned off there.
 */
export const fitSettings = { nanGuard: true };

export async function fitEpochs(
  spec: NetSpec,
  net: Sequential,
  data: { x: Tensor; y: Tensor },
  mode: Mode,
  plan: SectionPlan,
  samples: EpochSamples,
  counter?: () => number,
): Promise<void> {
  const history = await fit(net, data, {
    loss: 'crossEntropy',
    optimizer: new SGD(net.parameters(), { lr: SECTION_LR }),
    batchSize: spec.batch,
    epochs: plan.epochs,
    compile: mode === 'compiled',
    nanGuard: fitSettings.nanGuard,
    callbacks: [epochTimer(samples, counter)],
  });
  samples.counters = countersOf(history.compile);
}
