import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, type Parameter, ShapeError, type Tensor, manualSeed, noGrad, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Conv1d, Conv2d, ConvTranspose2d, LayerConfigError, Linear } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

/** Overwrites a parameter with given values (same shape and dtype). */
function setParam(p: Parameter, values: number[]): void {
  noGrad(() => {
    const t = tensor(values, { shape: [...p.shape], dtype: p.dtype });
    p.assign(t);
    t.dispose();
  });
}

const flat = (t: Tensor) => Array.from(t.dataSync());

/** Mean and variance of a parameter's values. */
function stats(p: Tensor): { min: number; max: number; mean: number; variance: number } {
  const v = flat(p);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { min: Math.min(...v), max: Math.max(...v), mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
}

/** U(±b): every value inside, the extremes near ±b, variance b²/3. */
function expectUniformBound(p: Tensor, b: number): void {
  const s = stats(p);
  expect(s.min).toBeGreaterThanOrEqual(-b);
  expect(s.max).toBeLessThanOrEqual(b);
  expect(s.max).toBeGreaterThan(0.9 * b);
  expect(s.min).toBeLessThan(-0.9 * b);
  expect(Math.abs(s.mean)).toBeLessThan(0.1 * b);
  expect(s.variance / (b * b / 3)).toBeGreaterThan(0.85);
  expect(s.variance / (b * b / 3)).toBeLessThan(1.15);
}

describe('Linear', () => {
  it('computes x·Wᵀ + b by hand', () => {
    const fc = new Linear(3, 2);
    setParam(fc.weight, [1, 2, 3, -1, 0, 1]);
    setParam(fc.bias!, [0.5, -2]);
    const y = fc.call(tensor([[1, 1, 1], [2, 0, -1]]));
    // row 0: [1+2+3+0.5, -1+0+1-2]; row 1: [2-3+0.5, -2-1-2]
    expect(y.arraySync()).toEqual([[6.5, -2], [-0.5, -5]]);
    // any leading axes
    expect(fc.call(tensor([[[1, 1, 1]]])).shape).toEqual([1, 1, 2]);
  });

  it("has PyTorch's parameter names, shapes and default init U(±1/√in)", () => {
    manualSeed(1);
    const fc = new Linear(400, 300);
    expect(fc.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [300, 400]], ['bias', [300]]]);
    expectUniformBound(fc.weight, 1 / Math.sqrt(400));
    expectUniformBound(fc.bias!, 1 / Math.sqrt(400));
    expect(new Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(String(fc)).toBe('Linear(inFeatures=400, outFeatures=300, bias=true)');
  });

  it('passes float64 gradient checks w.r.t. input, weight and bias', () => {
    const fc = new Linear(4, 3, { dtype: 'float64' });
    const x = randT([2, 4], 3).requiresGrad_();
    gradCheck(() => fc.call(x), [x, fc.weight, fc.bias!]);
  });

  it('names the layer, the expected and the actual shape on bad input', () => {
    const fc = new Linear(4, 3);
    expect(() => fc.call(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => fc.call(tensor([[1, 2, 3]]))).toThrow('Linear(4→3): expected input of shape [N, 4] but got [1, 3].');
    expect(() => fc.call(tensor([[1, 2, 3, 4]], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => new Linear(0, 3)).toThrow(LayerConfigError);
  });

  it('an unflattened image suggests Flatten; other rank-3+ mismatches say only the last axis counts', () => {
    const fc = new Linear(784, 10);
    expect(() => fc.call(randT([2, 1, 28, 28], 1).cast('float32'))).toThrow(ShapeError);
    expect(() => fc.call(randT([2, 1, 28, 28], 1).cast('float32'))).toThrow(
      'Linear(784→10): expected input of shape [N, *, *, 784] but got [2, 1, 28, 28]. The input looks unflattened: ' +
        '1·28·28 = 784 features per example. Put a Flatten() before this Linear (new Sequential(new Flatten(), …)) or reshape it with x.reshape([2, 784]).',
    );
    expect(() => fc.call(randT([2, 3, 5], 1).cast('float32'))).toThrow(
      'Linear(784→10): expected input of shape [N, *, 784] but got [2, 3, 5]. Linear acts on the last axis only (the others are batch axes).',
    );
  });
});

describe('Conv2d', () => {
  it('computes a 1-channel 3×3 convolution by hand', () => {
    const conv = new Conv2d(1, 1, 3);
    setParam(conv.weight, [1, 0, -1, 2, 0, -2, 1, 0, -1]); // Sobel x
    setParam(conv.bias!, [0.5]);
    const img = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ];
    const y = conv.call(tensor([[img]]));
    // y[i][j] = Σ_ab w[a][b]·x[i+a][j+b] + 0.5; each row of x grows by 1 per column, so each
    // output is (1+2+1)·(x[.][j] − x[.][j+2]) = 4·(−2) = −8, plus 0.5.
    const hand = [0, 1].map((i) => [0, 1].map((j) => {
      let s = 0.5;
      const w = [[1, 0, -1], [2, 0, -2], [1, 0, -1]];
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += w[a][b] * img[i + a][j + b];
      return s;
    }));
    expect(hand).toEqual([[-7.5, -7.5], [-7.5, -7.5]]);
    expect(y.arraySync()).toEqual([[hand]]);
  });

  it('supports stride, numeric and same padding, dilation and groups', () => {
    const x = randT([2, 4, 7, 6], 5);
    const conv = new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, dtype: 'float64' });
    expect(conv.weight.shape).toEqual([6, 2, 3, 2]);
    expect(conv.call(x).shape).toEqual([2, 6, 4, 4]);
    // explicit sum for one output: n=1, o=4 (group 1: input channels 2, 3), position (2, 3)
    const xv = x.arraySync() as number[][][][];
    const w = conv.weight.arraySync() as number[][][][];
    let s = (conv.bias!.arraySync() as number[])[4];
    for (let c = 0; c < 2; c++)
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 2; b++) {
          const i = 2 * 2 - 1 + a;
          const j = 3 + 2 * b;
          if (i >= 0 && i < 7 && j < 6) s += w[4][c][a][b] * xv[1][2 + c][i][j];
        }
    expect((conv.call(x).arraySync() as number[][][][])[1][4][2][3]).toBeCloseTo(s, 12);
    const same = new Conv2d(4, 2, 3, { padding: 'same', dtype: 'float64' });
    expect(same.call(x).shape).toEqual([2, 2, 7, 6]);
  });

  it("matches PyTorch's names, layouts and default init U(±1/√(in/groups·k·k))", () => {
    manualSeed(2);
    const conv = new Conv2d(3, 16, 5, { groups: 1 });
    expect(conv.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [16, 3, 5, 5]], ['bias', [16]]]);
    expectUniformBound(conv.weight, 1 / Math.sqrt(75));
    expectUniformBound(new Conv2d(8, 64, 3, { groups: 4 }).weight, 1 / Math.sqrt(2 * 9));
    expect(String(new Conv2d(3, 16, 5, { padding: 2, bias: false }))).toBe('Conv2d(3, 16, kernelSize=(5, 5), stride=(1, 1), padding=(2, 2), bias=false)');
  });

  it('passes float64 gradient checks w.r.t. input, weight and bias', () => {
    const conv = new Conv2d(4, 2, 2, { stride: 2, padding: 1, groups: 2, dtype: 'float64' });
    const x = randT([1, 4, 3, 3], 7).requiresGrad_();
    gradCheck(() => conv.call(x), [x, conv.weight, conv.bias!]);
  });

  it('names the layer, the expected and the actual shape on bad input', () => {
    const conv = new Conv2d(3, 16, 5);
    expect(() => conv.call(tensor([[[[1]]]]))).toThrow('Conv2d(3→16): expected input of shape [N, 3, H, W] but got [1, 1, 1, 1].');
    expect(() => conv.call(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => new Conv2d(3, 16, 5, { groups: 2 })).toThrow(/must both divide by groups/);
    expect(() => new Conv2d(3, 16, 0)).toThrow(LayerConfigError);
  });
});

describe('Conv1d', () => {
  it('computes a hand-written 1-d convolution with padding and stride', () => {
    const conv = new Conv1d(1, 1, 2, { padding: 1, stride: 2 });
    setParam(conv.weight, [1, -1]);
    setParam(conv.bias!, [0]);
    // padded x: [0, 1, 4, 9, 16, 0]; windows at 0, 2, 4: 0−1, 4−9, 16−0
    expect(conv.call(tensor([[[1, 4, 9, 16]]])).arraySync()).toEqual([[[-1, -5, 16]]]);
  });

  it("has PyTorch's layout [out, in/groups, k], init bound and passes gradient checks", () => {
    manualSeed(3);
    const big = new Conv1d(6, 33, 5, { groups: 3 });
    expect(big.weight.shape).toEqual([33, 2, 5]);
    expectUniformBound(big.weight, 1 / Math.sqrt(10));
    const conv = new Conv1d(2, 3, 3, { padding: 'same', dilation: 2, dtype: 'float64' });
    const x = randT([2, 2, 5], 9).requiresGrad_();
    expect(conv.call(x).shape).toEqual([2, 3, 5]);
    gradCheck(() => conv.call(x), [x, conv.weight, conv.bias!]);
    expect(() => conv.call(randT([2, 3, 5], 1))).toThrow('Conv1d(2→3): expected input of shape [N, 2, L] but got [2, 3, 5].');
  });
});

describe('ConvTranspose2d', () => {
  it('matches a hand scatter: each input pixel adds x·w at (i·stride + a, j·stride + b)', () => {
    const up = new ConvTranspose2d(1, 1, 2, { stride: 2 });
    setParam(up.weight, [1, 2, 3, 4]);
    setParam(up.bias!, [10]);
    const y = up.call(tensor([[[[1, -1], [2, 0]]]]));
    const hand: number[][] = Array.from({ length: 4 }, () => new Array<number>(4).fill(10));
    const x = [[1, -1], [2, 0]];
    const w = [[1, 2], [3, 4]];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) hand[2 * i + a][2 * j + b] += x[i][j] * w[a][b];
    expect(y.arraySync()).toEqual([[hand]]);
  });

  it('crops padding, adds outputPadding, and sums overlapping scatters', () => {
    const up = new ConvTranspose2d(2, 1, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: 'float64' });
    const x = randT([1, 2, 2, 2], 11);
    const y = up.call(x);
    expect(y.shape).toEqual([1, 1, 4, 4]); // (2−1)·2 − 2 + 3 + 1
    const xv = x.arraySync() as number[][][][];
    const w = up.weight.arraySync() as number[][][][];
    const out = Array.from({ length: 4 }, () => new Array<number>(4).fill((up.bias!.arraySync() as number[])[0]));
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const oi = 2 * i - 1 + a;
              const oj = 2 * j - 1 + b;
              if (oi >= 0 && oi < 4 && oj >= 0 && oj < 4) out[oi][oj] += xv[0][c][i][j] * w[c][0][a][b];
            }
    expectClose(y.dataSync(), out.flat(), 1e-12);
  });

  it("has PyTorch's layout [in, out/groups, kH, kW], init from weight.shape[1] and gradients", () => {
    manualSeed(4);
    const t = new ConvTranspose2d(16, 8, 3, { groups: 2 });
    expect(t.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [16, 4, 3, 3]], ['bias', [8]]]);
    expectUniformBound(t.weight, 1 / Math.sqrt(4 * 9));
    const up = new ConvTranspose2d(4, 2, [2, 3], { stride: [2, 1], padding: [0, 1], dilation: [1, 2], groups: 2, dtype: 'float64' });
    const x = randT([1, 4, 2, 3], 13).requiresGrad_();
    gradCheck(() => up.call(x), [x, up.weight, up.bias!]);
    expect(() => up.call(randT([1, 3, 2, 3], 1))).toThrow('ConvTranspose2d(4→2): expected input of shape [N, 4, H, W] but got [1, 3, 2, 3].');
    expect(() => new ConvTranspose2d(4, 2, 3, { stride: 2, outputPadding: 2 })).toThrow(/outputPadding \(2\) must be smaller/);
  });
});
