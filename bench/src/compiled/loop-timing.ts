/**
 * A hand-written PyTorch-style loop (zeroGrad, crossEntropyLoss, backward, SGD step; `tidy`
 * around it when eager, `compile` around it when compiled) over batches already on the
 * device, timed per epoch like `fit` (the epoch ends by reading the last loss back).
 */
import { compile, tidy, type Tensor } from '@tessera/core';
import { crossEntropyLoss, type Sequential } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { countersOf, epochClock, type EpochSamples } from './clock.js';
import { SECTION_LR } from './nets.js';
import type { SectionPlan } from './plan.js';
import type { Mode } from './types.js';

type Step = ((x: Tensor, y: Tensor) => Tensor) & { stats?: { traces: number; replays: number; deviceReplays: number } };

function makeStep(net: Sequential, mode: Mode): Step {
  const opt = new SGD(net.parameters(), { lr: SECTION_LR });
  const body = (x: Tensor, y: Tensor): Tensor => {
    opt.zeroGrad();
    const loss = crossEntropyLoss(net.call(x), y);
    loss.backward();
    opt.step();
    return loss.detach();
  };
  return mode === 'compiled' ? compile(body, { name: 'bench loop step' }) : (x, y) => tidy(() => body(x, y));
}

/** `plan.epochs` epochs over `batches`; appends the timed ones (all but the first) to `samples`. */
export async function loopEpochs(
  net: Sequential,
  batches: readonly { x: Tensor; y: Tensor }[],
  mode: Mode,
  plan: SectionPlan,
  samples: EpochSamples,
  counter?: () => number,
): Promise<void> {
  const step = makeStep(net, mode);
  const clock = epochClock(counter);
  try {
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      clock.start();
      let loss: Tensor | null = null;
      for (const b of batches) {
        loss?.dispose();
        loss = step(b.x, b.y);
      }
      await loss?.data();
      loss?.dispose();
      clock.stop(samples, epoch > 0);
    }
    samples.counters = countersOf(step.stats);
  } finally {
    (step as { dispose?: () => void }).dispose?.();
  }
}
