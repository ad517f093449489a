import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter, type Tensor, compile, manualSeed, memory, randn, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Adam, AdamW, type Optimizer, RMSProp, SGD, StepLR } from '../src/index.js';

beforeAll(() => use(cpu()));

/** A linear least-squares problem trained by `make(params)` for `steps` steps, eager or compiled. */
async function train(make: (ps: Parameter[]) => Optimizer, compiled: boolean, steps = 40) {
  manualSeed(3);
  const w = new Parameter(randn([5, 2]).mul(0.5), { name: 'w' });
  const b = new Parameter(randn([2]).mul(0.1), { name: 'b' });
  const x = randn([16, 5]);
  const y = randn([16, 2]);
  const opt = make([w, b]);
  const sched = new StepLR(opt, { stepSize: 7, gamma: 0.5 });
  const body = (xb: Tensor, yb: Tensor) => {
    opt.zeroGrad();
    const loss = xb.matmul(w).add(b).sub(yb).square().mean();
    loss.backward();
    opt.step();
    return loss.detach();
  };
  const step = compiled ? compile(body) : body;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = tidy(() => step(x, y));
    losses.push(l.dataSync()[0]);
    l.dispose();
    sched.step();
  }
  const stats = compiled ? (step as ReturnType<typeof compile>).stats : null;
  return { losses, w: Array.from(w.dataSync()), b: Array.from(b.dataSync()), stats, opt, mem: memory().numTensors };
}

const cases: [string, (ps: Parameter[]) => Optimizer][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
  ['SGD with momentum, nesterov and weight decay', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.05 })],
  ['Adam (AMSGrad)', (ps) => new Adam(ps, { lr: 0.05, amsgrad: true })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
];

describe('compiled optimizer steps', () => {
  for (const [name, make] of cases) {
    it(`${name}: the same losses and weights as eager, with a step schedule changing lr (bit for bit)`, async () => {
      const eager = await train(make, false);
      const comp = await train(make, true);
      expect(comp.losses).toEqual(eager.losses);
      expect(comp.w).toEqual(eager.w);
      expect(comp.b).toEqual(eager.b);
      expect(comp.stats!.replays).toBeGreaterThanOrEqual(37);
      // Step counters advance at every replay, as eagerly.
      const steps = [...comp.opt.state.values()].map((s) => s.step);
      expect(steps).toEqual([...eager.opt.state.values()].map((s) => s.step));
    });
  }

  it('SGD and Adam say they are compilable, RMSProp does not', () => {
    const p = [new Parameter(randn([2]))];
    expect(new SGD(p).compilable).toBe(true);
    expect(new Adam(p).compilable).toBe(true);
    expect(new RMSProp(p).compilable).toBe(false);
  });

  it('keeps state tensors in place: the same objects from the second step on', () => {
    manualSeed(0);
    const w = new Parameter(randn([3]));
    const opt = new Adam([w], { lr: 0.1 });
    const once = () => tidy(() => {
      opt.zeroGrad();
      w.square().sum().backward();
      opt.step();
    });
    once();
    const first = { ...opt.state.get(w)! };
    once();
    once();
    const now = opt.state.get(w)!;
    expect(now.expAvg).toBe(first.expAvg);
    expect(now.expAvgSq).toBe(first.expAvgSq);
    expect(now.step).toBe(3);
  });

  it('compileKey changes with baked options but not with the learning rate', () => {
    const opt = new SGD([new Parameter(randn([2]))], { lr: 0.1, momentum: 0.9 });
    const k = opt.compileKey();
    opt.paramGroups[0].lr = 0.01;
    expect(opt.compileKey()).toBe(k);
    opt.paramGroups[0].momentum = 0.5;
    expect(opt.compileKey()).not.toBe(k);
  });
});
