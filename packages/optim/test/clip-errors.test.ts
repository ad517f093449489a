import { beforeAll, describe, expect, it } from 'vitest';
import { memory, TesseraError, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  AdaDelta, AdaGrad, Adam, AdamW, ConfigError, NoGradientError, Optimizer, RMSProp, SGD,
  clipGradNorm, clipGradNormValue, clipGradValue, optimizer, optimizerNames, registerOptimizer,
} from '../src/index.js';
import { expectClose, param, setGrad, values } from './helpers.js';

beforeAll(() => use(cpu()));

describe('gradient clipping', () => {
  const G1 = [3, -4, 12];
  const G2 = [1, 2];

  for (const normType of [2, 1, 3, Infinity]) {
    it(`clipGradNorm (p = ${normType}) scales by maxNorm/‖g‖ and returns the pre-clip norm`, async () => {
      const a = param([0, 0, 0]);
      const b = param([0, 0]);
      setGrad(a, G1);
      setGrad(b, G2);
      const all = [...G1, ...G2];
      const norm = normType === Infinity ? Math.max(...all.map(Math.abs)) : all.reduce((s, v) => s + Math.abs(v) ** normType, 0) ** (1 / normType);
      const before = memory().numTensors;
      const n = clipGradNorm([a, b], 2, normType);
      expect(Math.abs(n.itemSync() - norm)).toBeLessThan(1e-12 * norm);
      n.dispose();
      expect(memory().numTensors).toBe(before);
      expectClose(values(a.grad!), G1.map((g) => (g * 2) / norm));
      expectClose(values(b.grad!), G2.map((g) => (g * 2) / norm));
      a.dispose();
      b.dispose();
    });
  }

  it('leaves gradients alone when the norm is within maxNorm; clipGradNormValue gives a number', async () => {
    const a = param([0, 0, 0]);
    setGrad(a, G1);
    expect(await clipGradNormValue([a], 100)).toBe(13);
    expectClose(values(a.grad!), G1, 0);
    const none = param([0]);
    expect(await clipGradNormValue([none], 1)).toBe(0);
    a.dispose();
    none.dispose();
  });

  it('clipGradValue clips each element', () => {
    const a = param([0, 0, 0]);
    setGrad(a, G1);
    clipGradValue([a], 3.5);
    expectClose(values(a.grad!), [3, -3.5, 3.5], 0);
    expect(() => clipGradValue([a], -1)).toThrow(ConfigError);
    expect(() => clipGradNorm([a], -1)).toThrow(ConfigError);
    a.dispose();
  });
});

describe('bad input gives typed errors', () => {
  const p = () => [param()];
  const cases: [string, () => unknown][] = [
    ['negative lr', () => new SGD(p(), { lr: -0.1 })],
    ['NaN lr', () => new Adam(p(), { lr: NaN })],
    ['negative lr in a group', () => new SGD([{ params: p(), lr: -1 }], { lr: 0.1 })],
    ['beta1 = 1', () => new Adam(p(), { betas: [1, 0.999] })],
    ['beta2 < 0', () => new AdamW(p(), { betas: [0.9, -0.1] })],
    ['eps < 0 (Adam)', () => new Adam(p(), { eps: -1e-8 })],
    ['eps < 0 (RMSProp)', () => new RMSProp(p(), { eps: -1 })],
    ['eps < 0 (AdaGrad)', () => new AdaGrad(p(), { eps: -1 })],
    ['eps < 0 (AdaDelta)', () => new AdaDelta(p(), { eps: -1 })],
    ['momentum < 0 (SGD)', () => new SGD(p(), { momentum: -0.9 })],
    ['momentum < 0 (RMSProp)', () => new RMSProp(p(), { momentum: -0.9 })],
    ['nesterov without momentum', () => new SGD(p(), { nesterov: true })],
    ['nesterov with dampening', () => new SGD(p(), { nesterov: true, momentum: 0.9, dampening: 0.1 })],
    ['rho > 1', () => new AdaDelta(p(), { rho: 1.5 })],
    ['negative weight decay', () => new AdamW(p(), { weightDecay: -1 })],
    ['negative lrDecay', () => new AdaGrad(p(), { lrDecay: -1 })],
    ['clipValue min > max', () => new SGD(p(), { clipValue: [1, -1] })],
    ['empty params', () => new SGD([], { lr: 0.1 })],
    ['duplicate params', () => { const x = param(); return new SGD([x, x]); }],
    ['unknown optimizer name', () => optimizer('adamax', p())],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      expect(f).toThrow(ConfigError);
      expect(f).toThrow(TesseraError);
    });
  }

  it('unknown names list the known ones', () => {
    expect(() => optimizer('nope', p())).toThrow(/known: adadelta, adagrad, adam, adamw, rmsprop, sgd/);
  });

  it('step() with no gradient anywhere names the parameters', () => {
    const a = param([1], 'layer.weight');
    const b = param([1]);
    const opt = new SGD([a, b], { lr: 0.1 });
    expect(() => opt.step()).toThrow(NoGradientError);
    expect(() => opt.step()).toThrow(/'layer\.weight', group 0 param 1/);
    setGrad(b, [1]);
    expect(() => opt.step()).not.toThrow();
    opt.zeroGrad();
    expect(b.grad).toBeNull();
  });
});

describe('registry', () => {
  it('builds every built-in optimizer by name (case-insensitive)', () => {
    const classes = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSProp, adagrad: AdaGrad, adadelta: AdaDelta };
    for (const [name, cls] of Object.entries(classes)) {
      const o = optimizer(name.toUpperCase(), [param()], { lr: 0.2 });
      expect(o).toBeInstanceOf(cls);
      expect(o.getLr()).toEqual([0.2]);
    }
    expect(optimizerNames()).toEqual(['adadelta', 'adagrad', 'adam', 'adamw', 'rmsprop', 'sgd']);
  });

  it('plugins can register their own', () => {
    class SignSGD extends Optimizer<{ lr: number }> {
      protected readonly label = 'SignSGD';
      protected update(p: any, g: any, group: { lr: number }) {
        return p.sub(g.sign().mul(group.lr));
      }
    }
    registerOptimizer('signsgd', (ps, o) => new SignSGD(ps as any, { lr: 0.1, ...(o as object) }));
    const w = param([1, 1, 1]);
    const o = optimizer('signsgd', [w], { lr: 0.5 });
    setGrad(w, [2, -3, 0]);
    o.step();
    expectClose(values(w), [0.5, 1.5, 1], 0);
    expect(optimizerNames()).toContain('signsgd');
    expect(() => registerOptimizer('', () => o)).toThrow(ConfigError);
  });
});
