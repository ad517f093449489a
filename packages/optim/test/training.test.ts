import { beforeAll, describe, expect, it } from 'vitest';
import { memory, Parameter, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { AdaDelta, AdaGrad, Adam, AdamW, type Optimizer, RMSProp, SGD, CosineAnnealingLR, LinearWarmupLR, ReduceLROnPlateau, StepLR } from '../src/index.js';
import { GRADS, expectClose, param, setGrad, values } from './helpers.js';

beforeAll(() => use(cpu()));

const makers: [string, (ps: Parameter[]) => Optimizer<any>, number, number][] = [
  // name, factory, steps for the quadratic, steps for Rosenbrock
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 }), 300, 2000],
  ['SGD momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 }), 300, 2000],
  ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true }), 300, 2000],
  ['Adam', (ps) => new Adam(ps, { lr: 0.1 }), 500, 2000],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0 }), 500, 2000],
  ['RMSProp', (ps) => new RMSProp(ps, { lr: 0.01 }), 500, 2000],
  ['AdaGrad', (ps) => new AdaGrad(ps, { lr: 0.5 }), 500, 2000],
  ['AdaDelta', (ps) => new AdaDelta(ps, { lr: 10 }), 500, 2000],
];

/** f(x) = Σ aᵢ (xᵢ − cᵢ)², minimum at c. */
const A = [1, 2, 0.5];
const C = [1, -2, 3];
function quadratic(p: Parameter): void {
  tidy(() => {
    const a = tensor(A, { dtype: 'float64' });
    const c = tensor(C, { dtype: 'float64' });
    p.sub(c).square().mul(a).sum().backward();
  });
}

/** Rosenbrock (1−x)² + 100(y−x²)², minimum 0 at (1, 1); returns the value. */
function rosenbrock(p: Parameter): number {
  return tidy(() => {
    const x = p.slice([0], [1]);
    const y = p.slice([1], [1]);
    const f = x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum();
    f.backward();
    return f.itemSync();
  });
}

describe('convergence', () => {
  for (const [name, make, nq, nr] of makers) {
    it(`${name} reaches the minimum of a convex quadratic`, () => {
      const p = param([0, 0, 0]);
      const opt = make([p]);
      for (let i = 0; i < nq; i++) {
        quadratic(p);
        opt.step();
        opt.zeroGrad();
      }
      expectClose(values(p), C, 2e-2);
      opt.dispose();
      p.dispose();
    });

    it(`${name} makes progress on Rosenbrock`, () => {
      const p = param([-1.5, 2]);
      const opt = make([p]);
      const first = rosenbrock(p);
      opt.zeroGrad();
      // Smaller steps for the plain methods (the valley is steep).
      for (const g of opt.paramGroups) g.lr = Math.min(g.lr, name.startsWith('SGD') ? 1e-4 : g.lr);
      let last = first;
      for (let i = 0; i < nr; i++) {
        last = rosenbrock(p);
        opt.step();
        opt.zeroGrad();
      }
      expect(last).toBeLessThan(first * 0.5);
      opt.dispose();
      p.dispose();
    });
  }
});

describe('memory', () => {
  for (const [name, make] of makers) {
    it(`${name}: the live tensor count is stable over 200 steps`, () => {
      const p = param([0.1, 0.2, 0.3], 'w');
      const q = param([1, 2], 'b');
      const opt = make([p, q]);
      const counts: number[] = [];
      for (let i = 0; i < 200; i++) {
        setGrad(p, GRADS[i % 5]);
        setGrad(q, GRADS[i % 5].slice(0, 2));
        opt.step();
        opt.zeroGrad();
        counts.push(memory().numTensors);
      }
      expect(new Set(counts.slice(1)).size).toBe(1);
      opt.dispose();
      p.dispose();
      q.dispose();
    });
  }
});

describe('save / load', () => {
  function train(opt: Optimizer<any>, sched: { step(m?: number): void } | null, p: Parameter, from: number, to: number) {
    for (let i = from; i < to; i++) {
      setGrad(p, GRADS[i % 5].map((v) => v * (1 + i / 10)));
      opt.step();
      opt.zeroGrad();
      sched?.step(i % 3 === 0 ? 1 : 2);
    }
  }

  const setups: [string, (ps: Parameter[]) => Optimizer<any>, (o: Optimizer<any>) => { step(m?: number): void; stateDict(): any; loadStateDict(s: any): void }][] = [
    ['Adam + warmup→cosine', (ps) => new Adam(ps, { lr: 0.05, amsgrad: true }), (o) => new LinearWarmupLR(o, { warmupSteps: 3, then: new CosineAnnealingLR(o, { tMax: 10 }) })],
    ['SGD nesterov + StepLR', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true }), (o) => new StepLR(o, { stepSize: 2, gamma: 0.5 })],
    ['RMSProp centered + plateau', (ps) => new RMSProp(ps, { lr: 0.05, centered: true, momentum: 0.3 }), (o) => new ReduceLROnPlateau(o, { patience: 1, factor: 0.5 })],
    ['AdaGrad + StepLR', (ps) => new AdaGrad(ps, { lr: 0.1, lrDecay: 0.1 }), (o) => new StepLR(o, { stepSize: 3 })],
    ['AdaDelta + cosine', (ps) => new AdaDelta(ps), (o) => new CosineAnnealingLR(o, { tMax: 7, etaMin: 0.1 })],
    ['AdamW + StepLR', (ps) => new AdamW(ps, { lr: 0.05 }), (o) => new StepLR(o, { stepSize: 4 })],
  ];

  for (const [name, makeOpt, makeSched] of setups) {
    it(`${name}: resuming from a (JSON round-tripped) state dict matches an uninterrupted run`, () => {
      const a = param();
      const optA = makeOpt([a]);
      const schedA = makeSched(optA);
      train(optA, schedA, a, 0, 12);

      const b = param();
      const optB = makeOpt([b]);
      const schedB = makeSched(optB);
      train(optB, schedB, b, 0, 6);
      const saved = JSON.parse(JSON.stringify({ p: values(b), opt: optB.stateDict(), sched: schedB.stateDict() }));
      optB.dispose();

      const c = param(saved.p);
      const optC = makeOpt([c]);
      const schedC = makeSched(optC);
      optC.loadStateDict(saved.opt);
      schedC.loadStateDict(saved.sched);
      train(optC, schedC, c, 6, 12);

      expectClose(values(c), values(a), 0);
      expect(optC.getLr()).toEqual(optA.getLr());
      for (const x of [optA, optC]) x.dispose();
      for (const x of [a, b, c]) x.dispose();
    });
  }

  it('stateDictAsync gives the same dict as stateDict', async () => {
    const a = new Parameter(tensor([1, 2, 3], { dtype: 'float64' }));
    const opt = new Adam([a], { lr: 0.1, amsgrad: true });
    for (let i = 0; i < 3; i++) {
      a.grad = tensor([0.1 * i, -0.2, 0.3], { dtype: 'float64' });
      opt.step();
      opt.zeroGrad();
    }
    expect(await opt.stateDictAsync()).toEqual(opt.stateDict());
    opt.dispose();
    a.dispose();
  });

  it('rejects state tensors whose shape does not match the parameter', () => {
    const a = new Parameter(tensor([1, 2, 3], { dtype: 'float64' }));
    a.grad = tensor([0.1, 0.2, 0.3], { dtype: 'float64' });
    const opt = new Adam([a], { lr: 0.1 });
    opt.step();
    const sd = opt.stateDict();
    const bad = JSON.parse(JSON.stringify(sd));
    const key = Object.keys(bad.state[0]).find((k) => typeof bad.state[0][k] === 'object')!;
    bad.state[0][key] = { shape: [2], dtype: 'float64', data: [0, 0] };
    expect(() => opt.loadStateDict(bad)).toThrow(/has shape \[2\] but the parameter is \[3\]/);
    bad.state[0][key] = { shape: [3], dtype: 'float64', data: [0, 0] };
    expect(() => opt.loadStateDict(bad)).toThrow(/corrupt/);
    opt.dispose();
    a.dispose();
  });

  it('rejects a state dict with a different group structure', () => {
    const a = param();
    const b = param();
    const opt1 = new SGD([a, b], { lr: 0.1 });
    const opt2 = new SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    expect(() => opt2.loadStateDict(opt1.stateDict())).toThrow(/groups/);
    a.dispose();
    b.dispose();
  });
});
