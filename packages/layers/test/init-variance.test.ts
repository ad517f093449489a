import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, memory, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerConfigError, calculateGain, fans, init } from '../src/index.js';
import type { Initializer } from '../src/index.js';

beforeAll(() => {
  use(cpu());
  manualSeed(2024);
});

/** Sample mean and (population) standard deviation of an initializer's output. */
function stats(initializer: Initializer, shape: number[]): { mean: number; std: number; maxAbs: number; n: number } {
  const t = initializer(shape, { dtype: 'float64' });
  const v = t.dataSync();
  t.dispose();
  let s = 0;
  let maxAbs = 0;
  for (const x of v) {
    s += x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / v.length), maxAbs, n: v.length };
}

describe('fans and calculateGain', () => {
  it('fanIn = in·∏kernel and fanOut = out·∏kernel for [out, in, ...kernel] (PyTorch)', () => {
    expect(fans([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
    expect(fans([16, 8, 3, 3])).toEqual({ fanIn: 72, fanOut: 144 });
    expect(fans([4, 2, 5])).toEqual({ fanIn: 10, fanOut: 20 });
  });

  it('needs at least two axes', () => {
    expect(() => fans([5])).toThrow(LayerConfigError);
    expect(() => fans([5])).toThrow(/at least 2 axes but got shape \[5\]/);
    expect(() => fans([])).toThrow(LayerConfigError);
  });

  it('gains are PyTorch’s', () => {
    expect(calculateGain('linear')).toBe(1);
    expect(calculateGain('conv')).toBe(1);
    expect(calculateGain('sigmoid')).toBe(1);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.sqrt(2), 15);
    expect(calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('selu')).toBe(0.75);
  });
});

// [out, in] = [200, 300]: fanIn 300, fanOut 200; [16, 8, 3, 3]: fanIn 72, fanOut 144
interface Case {
  readonly name: string;
  readonly init: Initializer;
  readonly shape: number[];
  /** Uniform: the bound a of U(−a, a) (its std is a/√3). Normal: undefined. */
  readonly bound?: number;
  readonly std: number;
}
const u = (name: string, i: Initializer, shape: number[], bound: number): Case => ({ name, init: i, shape, bound, std: bound / Math.sqrt(3) });
const n = (name: string, i: Initializer, shape: number[], std: number): Case => ({ name, init: i, shape, std });
const LIN = [200, 300];
const CONV = [16, 8, 3, 3];
const CASES: Case[] = [
  u('xavierUniform', init.xavierUniform(), LIN, Math.sqrt(6 / 500)),
  u('xavierUniform(gain 2)', init.xavierUniform(2), LIN, 2 * Math.sqrt(6 / 500)),
  n('xavierNormal', init.xavierNormal(), LIN, Math.sqrt(2 / 500)),
  n('xavierNormal(tanh gain)', init.xavierNormal(5 / 3), CONV, (5 / 3) * Math.sqrt(2 / (72 + 144))),
  u('kaimingUniform (leakyRelu a=0, fanIn)', init.kaimingUniform(), LIN, Math.sqrt(6 / 300)),
  u('kaimingUniform fanOut', init.kaimingUniform({ mode: 'fanOut' }), LIN, Math.sqrt(6 / 200)),
  u('kaimingUniform a=√5 (PyTorch Linear default)', init.kaimingUniform({ a: Math.sqrt(5) }), LIN, 1 / Math.sqrt(300)),
  u('kaimingUniform conv', init.kaimingUniform(), CONV, Math.sqrt(6 / 72)),
  n('kaimingNormal', init.kaimingNormal(), LIN, Math.sqrt(2 / 300)),
  n('kaimingNormal relu fanOut', init.kaimingNormal({ nonlinearity: 'relu', mode: 'fanOut' }), CONV, Math.sqrt(2 / 144)),
  n('kaimingNormal tanh', init.kaimingNormal({ nonlinearity: 'tanh' }), LIN, 5 / 3 / Math.sqrt(300)),
  u('lecunUniform', init.lecunUniform(), LIN, Math.sqrt(3 / 300)),
  n('lecunNormal', init.lecunNormal(), CONV, 1 / Math.sqrt(72)),
  u('uniform(−2, 2)', init.uniform(-2, 2), [100, 100], 2),
  n('normal(0, 0.02)', init.normal(0, 0.02), [100, 100], 0.02),
];

describe('variance-scaling initializers', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.bound !== undefined ? 'inside ±bound, filling it; ' : ''}mean 0, std within 2%`, () => {
      const s = stats(c.init, c.shape);
      expect(Math.abs(s.mean)).toBeLessThan((4 * c.std) / Math.sqrt(s.n));
      expect(s.std / c.std).toBeGreaterThan(0.98);
      expect(s.std / c.std).toBeLessThan(1.02);
      if (c.bound !== undefined) {
        expect(s.maxAbs).toBeLessThanOrEqual(c.bound);
        // |x| is uniform on [0, a]: P(max < (1 − 20/n)·a) ≈ e⁻²⁰, so the bound itself is pinned down
        expect(s.maxAbs).toBeGreaterThan((1 - 20 / s.n) * c.bound);
      } else {
        expect(s.maxAbs).toBeGreaterThan(2.5 * c.std); // a normal: a uniform of this std stops at √3·std
      }
    });
  }

  it('a shifted uniform and normal have the requested mean and spread', () => {
    const su = stats(init.uniform(-2, 3), [100, 100]);
    expect(su.mean).toBeCloseTo(0.5, 1);
    expect(su.std / (5 / Math.sqrt(12))).toBeCloseTo(1, 1);
    const sn = stats(init.normal(1, 3), [100, 100]);
    expect(sn.mean).toBeCloseTo(1, 1);
    expect(sn.std / 3).toBeCloseTo(1, 1);
  });

  it('constant, zeros and ones fill every element; nothing leaks', () => {
    const before = memory().numTensors;
    for (const [i, v] of [[init.constant(0.25), 0.25], [init.zeros(), 0], [init.ones(), 1]] as const) {
      const t = i([2, 3]);
      expect(t.dtype).toBe('float32');
      expect(Array.from(t.dataSync())).toEqual(new Array(6).fill(v));
      t.dispose();
    }
    stats(init.kaimingUniform(), [4, 5]);
    stats(init.normal(), [4, 5]);
    expect(memory().numTensors).toBe(before);
  });

  it('fan-based initializers reject 1-d shapes', () => {
    for (const i of [init.xavierUniform(), init.xavierNormal(), init.kaimingUniform(), init.kaimingNormal(), init.lecunUniform(), init.lecunNormal()]) {
      expect(() => i([5])).toThrow(LayerConfigError);
    }
  });
});
