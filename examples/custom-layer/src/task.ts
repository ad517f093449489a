import { type Tensor, manualSeed, rand, tidy } from '@tessera/core';
import { Linear, Sequential, mseLoss } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { RBF } from './rbf.js';

/** The synthetic problem: f(x, y) = sin(πx)·cos(πy) on [−1, 1)², a smooth bump field. */
function target(xy: Tensor): Tensor {
  return tidy(() => {
    const [x, y] = [xy.slice([0, 0], [xy.shape[0], 1]), xy.slice([0, 1], [xy.shape[0], 1])];
    return x.mul(Math.PI).sin().mul(y.mul(Math.PI).cos());
  });
}

/** `n` seeded samples of the problem: inputs [n, 2] and targets [n, 1]. */
export function dataset(n: number, seed: number): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  return tidy(() => {
    const x = rand([n, 2]).mul(2).sub(1);
    return { x, y: target(x) };
  });
}

/** An RBF network: `units` Gaussian bumps, then a linear read-out. */
export function rbfNetwork(units = 24): Sequential {
  return new Sequential(new RBF(2, units, { gamma: 4 }), new Linear(units, 1));
}

/**
 * Full-batch Adam on the mean squared error; returns the loss before training and after
 * each step.
 */
export function train(net: Sequential, data: { x: Tensor; y: Tensor }, steps: number, lr = 0.05): number[] {
  const opt = new Adam(net.parameters(), { lr });
  const lossOf = (): Tensor => mseLoss(net.call(data.x), data.y);
  const losses = [tidy(() => lossOf().itemSync())];
  for (let s = 0; s < steps; s++) {
    const loss = tidy(lossOf);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    losses.push(loss.itemSync());
    loss.dispose();
  }
  opt.dispose();
  return losses;
}
