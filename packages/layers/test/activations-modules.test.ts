import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  ELU, GELU, Gaussian, Identity, LayerConfigError, LeakyReLU, LogSoftmax, PReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh,
  functional as F, type Module, gaussian, identity, prelu,
} from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const xs = [-3, -1.5, -0.2, 0.3, 1, 2.5];
const x64 = () => tensor(xs, { dtype: 'float64' });

/** Standard normal CDF via a series for erf (enough digits for the test). */
function phi(x: number): number {
  const z = x / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 60; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}

/** Each module, its elementwise formula written out, and the function it should agree with. */
const elementwise: [string, () => Module, (v: number) => number, ((x: Tensor) => Tensor) | null][] = [
  ['ReLU', () => new ReLU(), (v) => Math.max(v, 0), F.relu],
  ['LeakyReLU(0.2)', () => new LeakyReLU(0.2), (v) => (v > 0 ? v : 0.2 * v), (x) => F.leakyRelu(x, 0.2)],
  ['LeakyReLU()', () => new LeakyReLU(), (v) => (v > 0 ? v : 0.01 * v), null],
  ['ELU(0.5)', () => new ELU(0.5), (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1)), (x) => F.elu(x, 0.5)],
  ['GELU()', () => new GELU(), (v) => v * phi(v), F.gelu],
  ['GELU(tanh)', () => new GELU('tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), (x) => F.gelu(x, 'tanh')],
  ['Sigmoid', () => new Sigmoid(), (v) => 1 / (1 + Math.exp(-v)), F.sigmoid],
  ['Tanh', () => new Tanh(), Math.tanh, F.tanh],
  ['Softplus()', () => new Softplus(), (v) => Math.log(1 + Math.exp(v)), F.softplus],
  ['Softplus(2, 3)', () => new Softplus(2, 3), (v) => (2 * v > 3 ? v : Math.log(1 + Math.exp(2 * v)) / 2), (x) => F.softplus(x, 2, 3)],
  ['Identity', () => new Identity(), (v) => v, identity],
  ['Gaussian', () => new Gaussian(), (v) => Math.exp(-v * v), gaussian],
];

describe('elementwise activations', () => {
  for (const [name, make, formula, fn] of elementwise) {
    it(`${name}: module and function match the formula; gradients pass`, () => {
      const m = make();
      expectClose(m.call(x64()).dataSync(), xs.map(formula), 1e-12, 1e-10);
      if (fn) expectClose(fn(x64()).dataSync(), xs.map(formula), 1e-12, 1e-10);
      const x = randT([2, 5], 3, 2).requiresGrad_();
      gradCheck(() => m.call(x), [x]);
    });
  }

  it('Softplus reverts to the identity above the threshold (no overflow for large inputs)', () => {
    const y = new Softplus(1, 20).call(tensor([1000, 25, -1000], { dtype: 'float64' })).dataSync();
    expect(Array.from(y)).toEqual([1000, 25, 0]);
  });

  it('print like PyTorch and reject bad options and non-float input', () => {
    expect(String(new LeakyReLU(0.2))).toBe('LeakyReLU(negativeSlope=0.2)');
    expect(String(new Softplus())).toBe('Softplus(beta=1, threshold=20)');
    expect(String(new GELU('tanh'))).toBe("GELU(approximate='tanh')");
    expect(String(new ReLU())).toBe('ReLU()');
    expect(() => new Softplus(0)).toThrow(LayerConfigError);
    expect(() => new GELU('fast' as 'tanh')).toThrow(/approximate must be 'none' or 'tanh'/);
    expect(() => new ReLU().call(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(new Identity().call(tensor([1, 2], { dtype: 'int32' })).arraySync()).toEqual([1, 2]);
  });

  it('Identity returns a view that can be disposed without freeing its input', () => {
    const x = x64();
    const before = memory().numTensors;
    tidy(() => void new Identity().call(x));
    expect(memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
  });
});

describe('Softmax and LogSoftmax', () => {
  const rows = [[1, 2, 3], [-1, 0, 5]];
  it('normalise along the chosen axis by hand', () => {
    const x = tensor(rows, { dtype: 'float64' });
    const byRow = rows.flatMap((r) => {
      const z = r.reduce((a, v) => a + Math.exp(v), 0);
      return r.map((v) => Math.exp(v) / z);
    });
    expectClose(new Softmax().call(x).dataSync(), byRow, 1e-14);
    expectClose(new LogSoftmax(1).call(x).dataSync(), byRow.map(Math.log), 1e-12);
    const byCol = rows.flatMap((r, i) => r.map((v, j) => Math.exp(v) / (Math.exp(rows[0][j]) + Math.exp(rows[1][j]))));
    expect(byCol[0] + byCol[3]).toBeCloseTo(1, 14);
    expectClose(new Softmax(0).call(x).dataSync(), byCol, 1e-14);
    const g = randT([3, 4], 5).requiresGrad_();
    gradCheck(() => new Softmax(0).call(g), [g]);
    gradCheck(() => new LogSoftmax().call(g), [g]);
    expect(String(new Softmax(1))).toBe('Softmax(axis=1)');
    expect(() => new Softmax(1.5)).toThrow(LayerConfigError);
  });
});

describe('PReLU', () => {
  it('has one learnable slope initialised to 0.25 by default', () => {
    const p = new PReLU({ dtype: 'float64' });
    expect(p.namedParameters().map(([n, w]) => [n, w.shape])).toEqual([['weight', [1]]]);
    expect(p.weight.arraySync()).toEqual([0.25]);
    expectClose(p.call(x64()).dataSync(), xs.map((v) => (v > 0 ? v : 0.25 * v)), 1e-15);
    const x = randT([2, 3], 4).requiresGrad_();
    gradCheck(() => p.call(x), [x, p.weight]);
  });

  it('with numParameters = C applies one slope per channel (axis 1) and checks the channel count', () => {
    const p = new PReLU({ numParameters: 2, init: 0.1, dtype: 'float64' });
    const w = tensor([0.1, -2], { dtype: 'float64' });
    p.weight.assign(w);
    const x = tensor([[[-1, 1], [-3, 2]]], { dtype: 'float64' }); // [1, 2, 2]
    expect(p.call(x).arraySync()).toEqual([[[-0.1, 1], [6, 2]]]);
    expect(prelu(x, w).arraySync()).toEqual([[[-0.1, 1], [6, 2]]]);
    const g = randT([2, 2, 3, 2], 6).requiresGrad_();
    gradCheck(() => p.call(g), [g, p.weight]);
    expect(() => p.call(randT([2, 3, 4], 1))).toThrow(ShapeError);
    expect(() => p.call(randT([2, 3, 4], 1))).toThrow('PReLU(numParameters=2): expected input of shape [N, 2, *] but got [2, 3, 4].');
    expect(() => prelu(x, tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(/prelu: weight \[3\] must be \[1\] or \[C\] with C = 2/);
    expect(() => new PReLU({ numParameters: 0 })).toThrow(LayerConfigError);
  });
});
