import { beforeAll, describe, expect, it } from 'vitest';
import { type Parameter, ShapeError, type Tensor, memory, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerConfigError, applyConstraints, constrain, constraintOf, maxNorm, minMaxNorm, nonNeg, param, unitNorm, Module } from '../src/index.js';
import { expectClose } from './helpers.js';
import { read } from './losses-reference.js';

beforeAll(() => use(cpu()));

const EPS = 1e-7; // Keras' epsilon in desired/(ε + ‖w‖)
const f64 = (v: number[], shape: number[]): Tensor => tensor(v, { dtype: 'float64', shape });

describe('constraint objects', () => {
  it('maxNorm rescales each row of a Linear weight [out, in] to norm ≤ α, leaving short rows (almost) alone', () => {
    const got = read(maxNorm(1)(f64([3, 4, 0.3, 0.4, 0, 0], [3, 2])));
    const s = 0.5 / (0.5 + EPS);
    expectClose(got, [0.6, 0.8, 0.3 * s, 0.4 * s, 0, 0], 1e-7);
    const s5 = 1 / (5 + EPS);
    expectClose(got.slice(0, 2), [3 * s5, 4 * s5], 1e-15);
  });

  it('maxNorm treats each output filter of a Conv weight [out, in, kH, kW] as one unit', () => {
    // filter 0: eight 1s (norm √8), filter 1: eight 0.1s (norm √0.08 < 1)
    const w = f64([...new Array(8).fill(1), ...new Array(8).fill(0.1)], [2, 2, 2, 2]);
    const got = read(maxNorm(1)(w));
    expectClose(got.slice(0, 8), new Array(8).fill(1 / (Math.sqrt(8) + EPS)), 1e-15);
    expectClose(got.slice(8), new Array(8).fill(0.1 * (Math.sqrt(0.08) / (Math.sqrt(0.08) + EPS))), 1e-15);
  });

  it('axis picks the reduced axes (Keras layout [in, out] → axis 0); a 1-d weight is one vector', () => {
    const got = read(maxNorm(1, 0)(f64([3, 0, 4, 0.5], [2, 2])));
    expectClose(got, [3 / (5 + EPS), 0, 4 / (5 + EPS), 0.5 * (0.5 / (0.5 + EPS))], 1e-15);
    expectClose(read(maxNorm(2)(f64([6, 8], [2]))), [12 / (10 + EPS), 16 / (10 + EPS)], 1e-15);
    expectClose(read(maxNorm(2, [-1])(f64([6, 8], [1, 2]))), [12 / (10 + EPS), 16 / (10 + EPS)], 1e-15);
  });

  it('unitNorm divides every unit by its norm', () => {
    expectClose(read(unitNorm()(f64([3, 4, 0, 2], [2, 2]))), [3 / (5 + EPS), 4 / (5 + EPS), 0, 2 / (2 + EPS)], 1e-15);
  });

  it('minMaxNorm moves norms into [min, max], by rate of the way', () => {
    // row norms 0.5, 5, 1.5
    const w = f64([0.3, 0.4, 3, 4, 0.9, 1.2], [3, 2]);
    const scale = (n: number, d: number): number => d / (n + EPS);
    const want = (d: number[]): number[] => [0.3, 0.4, 3, 4, 0.9, 1.2].map((v, i) => v * scale([0.5, 5, 1.5][i >> 1], d[i >> 1]));
    expectClose(read(minMaxNorm({ minValue: 1, maxValue: 2 })(w)), want([1, 2, 1.5]), 1e-14);
    const half = [0.5 * 1 + 0.5 * 0.5, 0.5 * 2 + 0.5 * 5, 1.5];
    expectClose(read(minMaxNorm({ minValue: 1, maxValue: 2, rate: 0.5 })(w)), want(half), 1e-14);
    w.dispose();
  });

  it('nonNeg zeroes negative weights', () => {
    expect(read(nonNeg()(f64([-1, 0, 2, -0.5], [2, 2])))).toEqual([0, 0, 2, 0]);
  });

  it('describe themselves and reject bad settings with typed errors', () => {
    expect(String(maxNorm(3))).toBe('maxNorm(maxValue=3)');
    expect(String(minMaxNorm({ axis: [1, 2] }))).toBe('minMaxNorm(minValue=0, maxValue=1, rate=1, axis=[1, 2])');
    expect(maxNorm(3).kind).toBe('maxNorm');
    expect(() => maxNorm(-1)).toThrow(LayerConfigError);
    expect(() => minMaxNorm({ minValue: 2, maxValue: 1 })).toThrow(/maxValue 1 is below minValue 2/);
    expect(() => minMaxNorm({ rate: 2 })).toThrow(LayerConfigError);
    const w = f64([1, 2], [1, 2]);
    expect(() => maxNorm(1, 2)(w)).toThrow(ShapeError);
    expect(() => maxNorm(1, 2)(w)).toThrow(/maxNorm: axis 2 is out of range for a weight of shape \[1, 2\]/);
    w.dispose();
  });

  it('leak no tensors', () => {
    const w = f64([3, 4, -1, 2], [2, 2]);
    const before = memory().numTensors;
    for (const c of [maxNorm(1), unitNorm(), minMaxNorm(), nonNeg()]) c(w).dispose();
    expect(memory().numTensors).toBe(before);
    w.dispose();
  });
});

class Net extends Module {
  weight: Parameter = param(f64([3, 4, -0.3, 0.4], [2, 2]));
  other: Parameter = param(f64([-5, 12], [2]));
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true });
  }
}

describe('constrain / applyConstraints', () => {
  it('projects every registered parameter of a module in place, once each, without recording gradients', () => {
    const net = new Net();
    const w = net.weight;
    constrain(net.weight, maxNorm(1));
    expect(constraintOf(net.weight)?.toString()).toBe('maxNorm(maxValue=1)');
    expect(constraintOf(net.other)).toBeUndefined();
    const before = memory().numTensors;
    expect(applyConstraints(net)).toBe(1);
    expect(memory().numTensors).toBe(before);
    expect(net.weight).toBe(w); // same parameter object
    expect(w.isLeaf && w.requiresGrad).toBe(true);
    expectClose(w.dataSync(), [3 / (5 + EPS), 4 / (5 + EPS), -0.3 * (0.5 / (0.5 + EPS)), 0.4 * (0.5 / (0.5 + EPS))], 1e-15);
    expect(Array.from(net.other.dataSync())).toEqual([-5, 12]); // unregistered: untouched
    net.dispose();
  });

  it('takes a list of parameters; null unregisters', () => {
    const net = new Net();
    constrain(constrain(net.other, nonNeg()), nonNeg());
    expect(applyConstraints([net.weight, net.other, net.other])).toBe(1);
    expect(Array.from(net.other.dataSync())).toEqual([0, 12]);
    constrain(net.other, null);
    expect(applyConstraints([net.other])).toBe(0);
    net.dispose();
  });

  it('accepts any projection function', () => {
    const net = new Net();
    constrain(net.other, (w) => w.clip(-1, 1));
    applyConstraints(net);
    expect(Array.from(net.other.dataSync())).toEqual([-1, 1]);
    net.dispose();
  });
});
