import { beforeAll, describe, expect, it } from 'vitest';
import { type Parameter, type Tensor, gradients, memory, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  LayerConfigError,
  Module,
  applyConstraints,
  constrain,
  l1Penalty,
  l2Penalty,
  maxNorm,
  mseLoss,
  nonNeg,
  param,
  penaltyLoss,
  penaltyOf,
  regularize,
} from '../src/index.js';
import { expectClose } from './helpers.js';
import { read } from './losses-reference.js';

beforeAll(() => use(cpu()));

const f64 = (v: number[], shape: number[]): Tensor => tensor(v, { dtype: 'float64', shape });
const W = [0.5, -1.5, 2, -0.25, 1, 3];
const B = [0.1, -0.2];

class Net extends Module {
  weight: Parameter = param(f64(W, [2, 3]));
  bias: Parameter = param(f64(B, [2]));
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true }).add(this.bias);
  }
}

const X = (): Tensor => f64([1, 2, -1, 0.5, -0.5, 2], [2, 3]);
const Y = (): Tensor => f64([1, 0, -1, 2], [2, 2]);

/** ∂(mse + extra)/∂w − ∂mse/∂w for the net's parameters. */
function gradDiff(net: Net, extra: () => Tensor): number[][] {
  return tidy(() => {
    const ps = [net.weight, net.bias];
    const base = gradients(mseLoss(net.call(X()), Y()), ps);
    const withP = gradients(mseLoss(net.call(X()), Y()).add(extra()), ps);
    return withP.map((g, i) => Array.from(g.sub(base[i]).dataSync()));
  });
}

describe('l1Penalty / l2Penalty', () => {
  it('are λ·Σ|w| and λ·Σw² over the given tensors (module, list or one tensor)', () => {
    const net = new Net();
    const abs = [...W, ...B].reduce((a, v) => a + Math.abs(v), 0);
    const sq = [...W, ...B].reduce((a, v) => a + v * v, 0);
    expectClose(read(l1Penalty(net, 0.1)), [0.1 * abs], 1e-14);
    expectClose(read(l2Penalty(net, 0.1)), [0.1 * sq], 1e-14);
    expectClose(read(l2Penalty(net.weight, 2)), [2 * W.reduce((a, v) => a + v * v, 0)], 1e-13);
    expectClose(read(l1Penalty([net.bias], 1)), [0.3], 1e-15);
    expectClose(read(l1Penalty([], 1)), [0], 0);
    expect(() => l2Penalty(net, -1)).toThrow(LayerConfigError);
    net.dispose();
  });

  it('added to a loss, change the gradient by λ·sign(w) (L1) and 2λ·w (L2)', () => {
    const net = new Net();
    const [gw1] = gradDiff(net, () => l1Penalty([net.weight], 0.3));
    expectClose(gw1, W.map((w) => 0.3 * Math.sign(w)), 1e-12);
    const [gw2, gb2] = gradDiff(net, () => l2Penalty(net, 0.05));
    expectClose(gw2, W.map((w) => 2 * 0.05 * w), 1e-12);
    expectClose(gb2, B.map((b) => 2 * 0.05 * b), 1e-12);
    net.dispose();
  });
});

describe('regularize / penaltyLoss', () => {
  it('sums the penalties registered per parameter; unregistered parameters cost nothing', () => {
    const net = new Net();
    expectClose(read(penaltyLoss(net)), [0], 0);
    regularize(net.weight, { l1: 0.01, l2: 0.1 });
    expect(penaltyOf(net.weight)).toEqual({ l1: 0.01, l2: 0.1 });
    expect(penaltyOf(net.bias)).toBeUndefined();
    const want = 0.01 * W.reduce((a, v) => a + Math.abs(v), 0) + 0.1 * W.reduce((a, v) => a + v * v, 0);
    expectClose(read(penaltyLoss(net)), [want], 1e-14);
    expectClose(read(penaltyLoss([net.bias])), [0], 0);
    const [gw, gb] = gradDiff(net, () => penaltyLoss(net));
    expectClose(gw, W.map((w) => 0.01 * Math.sign(w) + 2 * 0.1 * w), 1e-12);
    expectClose(gb, [0, 0], 0);
    regularize(net.weight, {});
    expect(penaltyOf(net.weight)).toBeUndefined();
    expect(() => regularize(net.bias, { l1: Number.NaN })).toThrow(LayerConfigError);
    net.dispose();
  });

  it('in a training loop with constraints: constant tensor count, constraint holds after every step', () => {
    const net = new Net();
    regularize(net.weight, { l2: 1e-3 });
    regularize(net.bias, { l1: 1e-3 });
    constrain(net.weight, maxNorm(1.5));
    constrain(net.bias, nonNeg());
    const x = X();
    const y = Y();
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      tidy(() => {
        const loss = mseLoss(net.call(x), y).add(penaltyLoss(net));
        losses.push(loss.itemSync());
        const ps = [net.weight, net.bias];
        const gs = gradients(loss, ps);
        noGrad(() => ps.forEach((p, i) => p.assign(p.sub(gs[i].mul(0.05)))));
      });
      expect(applyConstraints(net)).toBe(2);
      const w = Array.from(net.weight.dataSync());
      for (let r = 0; r < 2; r++) expect(Math.hypot(...w.slice(3 * r, 3 * r + 3))).toBeLessThanOrEqual(1.5 + 1e-12);
      expect(Array.from(net.bias.dataSync()).every((b) => b >= 0)).toBe(true);
      counts.push(memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(losses[5]).toBeLessThan(losses[0]);
    net.dispose();
  });
});
