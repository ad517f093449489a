/**
 * Every optimizer against its published update rule (torch.optim docs), computed step by
 * step in plain JS float64, on a fixed gradient sequence.
 */
import { beforeAll, describe, it } from 'vitest';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { AdaDelta, AdaGrad, Adam, AdamW, type Optimizer, RMSProp, SGD } from '../src/index.js';
import { GRADS, P0, expectClose, param, setGrad, values } from './helpers.js';

beforeAll(() => use(cpu()));

type Ref = (theta: number[], grads: number[][]) => number[];

function run(make: (ps: ReturnType<typeof param>[]) => Optimizer<any>): number[] {
  const p = param();
  const opt = make([p]);
  for (const g of GRADS) {
    setGrad(p, g);
    opt.step();
  }
  opt.zeroGrad();
  const out = values(p);
  opt.dispose();
  p.dispose();
  return out;
}

/** Applies a per-element reference (state kept per element) over 5 steps. */
function elementwise(stepFn: (theta: number, g: number, t: number, s: Record<string, number>) => number): Ref {
  return (theta0, grads) =>
    theta0.map((th, i) => {
      let theta = th;
      const s: Record<string, number> = {};
      grads.forEach((gs, k) => (theta = stepFn(theta, gs[i], k + 1, s)));
      return theta;
    });
}

function sgdRef(lr: number, mu: number, tau: number, nesterov: boolean, wd: number): Ref {
  return elementwise((theta, g, t, s) => {
    if (wd !== 0) g = g + wd * theta;
    if (mu !== 0) {
      s.b = t > 1 ? mu * s.b + (1 - tau) * g : g;
      g = nesterov ? g + mu * s.b : s.b;
    }
    return theta - lr * g;
  });
}

function adamRef(lr: number, b1: number, b2: number, eps: number, wd: number, amsgrad: boolean, decoupled: boolean): Ref {
  return elementwise((theta, g, t, s) => {
    if (wd !== 0) {
      if (decoupled) theta = theta - lr * wd * theta;
      else g = g + wd * theta;
    }
    s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
    s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
    const mHat = s.m / (1 - b1 ** t);
    let v = s.v;
    if (amsgrad) {
      s.vmax = Math.max(s.vmax ?? 0, s.v);
      v = s.vmax;
    }
    const vHat = v / (1 - b2 ** t);
    return theta - (lr * mHat) / (Math.sqrt(vHat) + eps);
  });
}

function rmspropRef(lr: number, alpha: number, eps: number, wd: number, mu: number, centered: boolean): Ref {
  return elementwise((theta, g, _t, s) => {
    if (wd !== 0) g = g + wd * theta;
    s.v = alpha * (s.v ?? 0) + (1 - alpha) * g * g;
    let vt = s.v;
    if (centered) {
      s.gavg = alpha * (s.gavg ?? 0) + (1 - alpha) * g;
      vt = vt - s.gavg * s.gavg;
    }
    if (mu > 0) {
      s.b = mu * (s.b ?? 0) + g / (Math.sqrt(vt) + eps);
      return theta - lr * s.b;
    }
    return theta - (lr * g) / (Math.sqrt(vt) + eps);
  });
}

function adagradRef(lr: number, lrDecay: number, wd: number, init: number, eps: number): Ref {
  return elementwise((theta, g, t, s) => {
    const clr = lr / (1 + (t - 1) * lrDecay);
    if (wd !== 0) g = g + wd * theta;
    s.sum = (s.sum ?? init) + g * g;
    return theta - (clr * g) / (Math.sqrt(s.sum) + eps);
  });
}

function adadeltaRef(lr: number, rho: number, eps: number, wd: number): Ref {
  return elementwise((theta, g, _t, s) => {
    if (wd !== 0) g = g + wd * theta;
    s.v = rho * (s.v ?? 0) + (1 - rho) * g * g;
    const dx = (Math.sqrt((s.u ?? 0) + eps) / Math.sqrt(s.v + eps)) * g;
    s.u = rho * (s.u ?? 0) + (1 - rho) * dx * dx;
    return theta - lr * dx;
  });
}

const cases: [string, (ps: any[]) => Optimizer<any>, Ref][] = [
  ['SGD plain', (ps) => new SGD(ps, { lr: 0.1 }), sgdRef(0.1, 0, 0, false, 0)],
  ['SGD momentum', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 }), sgdRef(0.1, 0.9, 0, false, 0)],
  ['SGD momentum + dampening', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.3 }), sgdRef(0.1, 0.9, 0.3, false, 0)],
  ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.8, nesterov: true }), sgdRef(0.1, 0.8, 0, true, 0)],
  ['SGD weight decay', (ps) => new SGD(ps, { lr: 0.1, weightDecay: 0.05 }), sgdRef(0.1, 0, 0, false, 0.05)],
  ['SGD all', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.7, nesterov: true, weightDecay: 0.1 }), sgdRef(0.05, 0.7, 0, true, 0.1)],
  ['Adam plain', (ps) => new Adam(ps, { lr: 0.01 }), adamRef(0.01, 0.9, 0.999, 1e-8, 0, false, false)],
  ['Adam betas/eps', (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.95], eps: 1e-3 }), adamRef(0.05, 0.8, 0.95, 1e-3, 0, false, false)],
  ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, betas: [0.9, 0.9] }), adamRef(0.01, 0.9, 0.9, 1e-8, 0, true, false)],
  ['Adam weight decay', (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.1 }), adamRef(0.01, 0.9, 0.999, 1e-8, 0.1, false, false)],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 }), adamRef(0.01, 0.9, 0.999, 1e-8, 0.01, false, true)],
  ['AdamW wd 0.5 + amsgrad', (ps) => new AdamW(ps, { lr: 0.02, weightDecay: 0.5, amsgrad: true, betas: [0.9, 0.9] }), adamRef(0.02, 0.9, 0.9, 1e-8, 0.5, true, true)],
  ['RMSProp plain', (ps) => new RMSProp(ps, { lr: 0.01 }), rmspropRef(0.01, 0.99, 1e-8, 0, 0, false)],
  ['RMSProp momentum', (ps) => new RMSProp(ps, { lr: 0.01, momentum: 0.9, alpha: 0.9 }), rmspropRef(0.01, 0.9, 1e-8, 0, 0.9, false)],
  ['RMSProp centered', (ps) => new RMSProp(ps, { lr: 0.01, centered: true, alpha: 0.9 }), rmspropRef(0.01, 0.9, 1e-8, 0, 0, true)],
  ['RMSProp centered + momentum + wd', (ps) => new RMSProp(ps, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1 }), rmspropRef(0.01, 0.99, 1e-8, 0.1, 0.5, true)],
  ['AdaGrad plain', (ps) => new AdaGrad(ps, { lr: 0.1 }), adagradRef(0.1, 0, 0, 0, 1e-10)],
  ['AdaGrad lrDecay + initial accumulator', (ps) => new AdaGrad(ps, { lr: 0.1, lrDecay: 0.3, initialAccumulatorValue: 0.5 }), adagradRef(0.1, 0.3, 0, 0.5, 1e-10)],
  ['AdaGrad weight decay + eps', (ps) => new AdaGrad(ps, { lr: 0.1, weightDecay: 0.2, eps: 1e-3 }), adagradRef(0.1, 0, 0.2, 0, 1e-3)],
  ['AdaDelta', (ps) => new AdaDelta(ps), adadeltaRef(1, 0.9, 1e-6, 0)],
  ['AdaDelta lr/rho/eps/wd', (ps) => new AdaDelta(ps, { lr: 0.5, rho: 0.8, eps: 1e-4, weightDecay: 0.1 }), adadeltaRef(0.5, 0.8, 1e-4, 0.1)],
];

describe('update rules match the published formulas (5 steps, float64, 1e-12)', () => {
  for (const [name, make, ref] of cases) {
    it(name, () => {
      const expected = ref(P0, GRADS);
      expectClose(run(make), expected);
      // Sanity: the parameters moved.
      if (expected.every((v, i) => v === P0[i])) throw new Error('reference did not move');
    });
  }

  it('per-group options: each group uses its own lr/momentum', () => {
    const a = param();
    const b = param();
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.01, momentum: 0.5 }], { lr: 0.1 });
    for (const g of GRADS) {
      setGrad(a, g);
      setGrad(b, g);
      opt.step();
    }
    expectClose(values(a), sgdRef(0.1, 0, 0, false, 0)(P0, GRADS));
    expectClose(values(b), sgdRef(0.01, 0.5, 0, false, 0)(P0, GRADS));
    opt.zeroGrad();
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('clipValue projects parameters after each step', () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.5, clipValue: [-1, 1] });
    const ref = elementwise((theta, g) => Math.min(1, Math.max(-1, theta - 0.5 * g)));
    for (const g of GRADS) {
      setGrad(p, g);
      opt.step();
    }
    expectClose(values(p), ref(P0, GRADS));
    opt.zeroGrad();
    p.dispose();
  });

  it('parameters without a gradient are skipped', () => {
    const a = param();
    const b = param();
    const opt = new Adam([a, b], { lr: 0.1 });
    setGrad(a, GRADS[0]);
    opt.step();
    expectClose(values(b), P0, 0);
    if (opt.state.has(b)) throw new Error('state created for a parameter without grad');
    opt.zeroGrad();
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});
