import { beforeAll, describe, expect, it } from 'vitest';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  ConfigError, ConstantLR, CosineAnnealingLR, ExponentialDecayLR, InverseDecayLR, LinearWarmupLR, MultiStepLR,
  ReduceLROnPlateau, SGD, StepLR, type LRSchedule,
} from '../src/index.js';
import { param } from './helpers.js';

beforeAll(() => use(cpu()));

function opt(lr = 0.1, lr2 = 0.5) {
  return new SGD([{ params: [param()] }, { params: [param()], lr: lr2 }], { lr });
}

/** lrs of group g for t = 0..n−1 (t = 0 is right after construction). */
function seq(s: LRSchedule, n: number, g = 0): number[] {
  const out = [s.getLr()[g]];
  expect(s.optimizer.paramGroups[g].lr).toBe(out[0]);
  for (let t = 1; t < n; t++) {
    s.step();
    out.push(s.getLr()[g]);
    expect(s.optimizer.paramGroups[g].lr).toBe(s.lastLr[g]);
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, t) => t);

describe('schedules follow their formulas', () => {
  it('constant', () => {
    expect(seq(new ConstantLR(opt()), 5)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1]);
  });
  it('step', () => {
    const s = new StepLR(opt(), { stepSize: 3, gamma: 0.5 });
    expect(seq(s, 10, 1)).toEqual(range(10).map((t) => 0.5 * 0.5 ** Math.floor(t / 3)));
  });
  it('multi-step', () => {
    const s = new MultiStepLR(opt(), { milestones: [2, 5, 6], gamma: 0.1 });
    const n = (t: number) => [2, 5, 6].filter((m) => m <= t).length;
    expect(seq(s, 9)).toEqual(range(9).map((t) => 0.1 * 0.1 ** n(t)));
  });
  it('exponential decay α·e^(−βt)', () => {
    const s = new ExponentialDecayLR(opt(), { beta: 0.3 });
    expect(seq(s, 8, 1)).toEqual(range(8).map((t) => 0.5 * Math.exp(-0.3 * t)));
  });
  it('inverse decay α/(β+t)^γ', () => {
    const s = new InverseDecayLR(opt(), { beta: 2, gamma: 0.75 });
    expect(seq(s, 8)).toEqual(range(8).map((t) => 0.1 / (2 + t) ** 0.75));
    expect(seq(new InverseDecayLR(opt()), 4)).toEqual([0.1, 0.1 / 2, 0.1 / 3, 0.1 / 4]);
  });
  it('cosine annealing', () => {
    const s = new CosineAnnealingLR(opt(), { tMax: 6, etaMin: 0.01 });
    expect(seq(s, 7)).toEqual(range(7).map((t) => 0.01 + ((0.1 - 0.01) * (1 + Math.cos((Math.PI * t) / 6))) / 2));
    expect(s.getLr()[0]).toBeCloseTo(0.01, 15);
  });
  it('linear warmup then cosine', () => {
    const o = opt();
    const s = new LinearWarmupLR(o, { warmupSteps: 4, then: new CosineAnnealingLR(o, { tMax: 5 }) });
    const expected = range(10).map((t) => (t < 4 ? (0.1 * (t + 1)) / 4 : ((0.1 * (1 + Math.cos((Math.PI * (t - 4)) / 5))) / 2)));
    expect(seq(s, 10)).toEqual(expected);
  });
  it('linear warmup alone stays at α after warmup', () => {
    expect(seq(new LinearWarmupLR(opt(), { warmupSteps: 2 }), 5)).toEqual([0.05, 0.1, 0.1, 0.1, 0.1]);
  });

  it('reduce on plateau (min, rel) with patience and cooldown', () => {
    const o = opt(1, 1);
    const s = new ReduceLROnPlateau(o, { factor: 0.5, patience: 2, cooldown: 1, minLr: [0.2, 0] });
    const metrics = [10, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
    const lrs0: number[] = [];
    const lrs1: number[] = [];
    for (const m of metrics) {
      s.step(m);
      lrs0.push(s.getLr()[0]);
      lrs1.push(o.paramGroups[1].lr);
    }
    // Bad steps after the best (9 at step 2): steps 3,4,5 → reduce at 5 (3 > patience 2);
    // cooldown 1 swallows step 6; then 7,8,9 → reduce at 9; 10,11 bad but not yet > 2.
    expect(lrs1).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]);
    expect(lrs0).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25].map((v) => Math.max(v, 0.2)));
  });

  it('reduce on plateau (max, abs threshold)', () => {
    const o = opt(1, 1);
    const s = new ReduceLROnPlateau(o, { mode: 'max', thresholdMode: 'abs', threshold: 0.1, patience: 0, factor: 0.1 });
    s.step(0.5); // better than -inf
    expect(s.getLr()[0]).toBe(1);
    s.step(0.55); // not better by 0.1 → bad, > patience 0 → reduce
    expect(s.getLr()[0]).toBeCloseTo(0.1, 15);
    s.step(0.7); // better
    expect(s.getLr()[0]).toBeCloseTo(0.1, 15);
  });

  it('state dicts round-trip', () => {
    const a = new StepLR(opt(), { stepSize: 2 });
    for (let i = 0; i < 5; i++) a.step();
    const b = new StepLR(opt(), { stepSize: 2 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.getLr()).toEqual(a.getLr());
    a.step();
    b.step();
    expect(b.getLr()).toEqual(a.getLr());

    const p = new ReduceLROnPlateau(opt(), { patience: 0 });
    const q = new ReduceLROnPlateau(opt(), { patience: 0 });
    q.loadStateDict(JSON.parse(JSON.stringify(q.stateDict()))); // best = Infinity survives JSON
    p.step(1);
    q.step(1);
    expect(q.best).toBe(1);
    expect(q.getLr()).toEqual(p.getLr());
  });

  it('bad schedule options are ConfigErrors', () => {
    expect(() => new StepLR(opt(), { stepSize: 0 })).toThrow(ConfigError);
    expect(() => new MultiStepLR(opt(), { milestones: [3, 2] })).toThrow(ConfigError);
    expect(() => new CosineAnnealingLR(opt(), { tMax: -1 })).toThrow(ConfigError);
    expect(() => new ReduceLROnPlateau(opt(), { factor: 1 })).toThrow(ConfigError);
    expect(() => new ReduceLROnPlateau(opt(), { mode: 'up' as 'min' })).toThrow(ConfigError);
    expect(() => new LinearWarmupLR(opt(), { warmupSteps: 0 })).toThrow(ConfigError);
    expect(() => new InverseDecayLR(opt(), { beta: 0 })).toThrow(ConfigError);
  });
});
