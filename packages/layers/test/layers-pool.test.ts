import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, type Tensor, manualSeed, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Flatten, GlobalAvgPool, LayerConfigError, LocallyConnected1d,
  LocallyConnected2d, MaxPool1d, MaxPool2d, Reshape, adaptiveWindows,
} from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

type Grid = number[][];
const planes = (t: Tensor) => t.arraySync() as number[][][][];

/** Reference pooling of one plane, written from PyTorch's definition (padding, ceil mode, divisors). */
function poolRef(kind: 'max' | 'avg', x: Grid, k: number[], s: number[], p: number[], ceil: boolean, includePad: boolean): Grid {
  const dims = [x.length, x[0].length];
  const out = dims.map((n, i) => {
    let o = Math.floor((n + 2 * p[i] - k[i] + (ceil ? s[i] - 1 : 0)) / s[i]) + 1;
    if (ceil && (o - 1) * s[i] >= n + p[i]) o--;
    return o;
  });
  const res: Grid = [];
  for (let oi = 0; oi < out[0]; oi++) {
    const row: number[] = [];
    for (let oj = 0; oj < out[1]; oj++) {
      const h0 = oi * s[0] - p[0];
      const w0 = oj * s[1] - p[1];
      // PyTorch's avg divisor with padding: window clipped to the padded input.
      const hEnd = Math.min(h0 + k[0], dims[0] + p[0]);
      const wEnd = Math.min(w0 + k[1], dims[1] + p[1]);
      let best = -Infinity;
      let sum = 0;
      let count = 0;
      for (let i = Math.max(h0, 0); i < Math.min(h0 + k[0], dims[0]); i++) {
        for (let j = Math.max(w0, 0); j < Math.min(w0 + k[1], dims[1]); j++) {
          best = Math.max(best, x[i][j]);
          sum += x[i][j];
          count++;
        }
      }
      const divisor = includePad ? (hEnd - h0) * (wEnd - w0) : count;
      row.push(kind === 'max' ? best : sum / divisor);
    }
    res.push(row);
  }
  return res;
}

describe('LocallyConnected2d', () => {
  it('applies a different filter at every output position (explicit per-position sums)', () => {
    const lc = new LocallyConnected2d(2, 3, [4, 5], [2, 3], { stride: [2, 1], dtype: 'float64' });
    expect(lc.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [2, 3, 3, 2, 2, 3]], ['bias', [3, 2, 3]]]);
    const x = randT([2, 2, 4, 5], 3);
    const y = planes(lc.call(x));
    const xv = planes(x);
    const w = lc.weight.arraySync() as number[][][][][][];
    const b = lc.bias!.arraySync() as number[][][];
    const hand = [0, 1].map((n) =>
      [0, 1, 2].map((o) =>
        [0, 1].map((i) =>
          [0, 1, 2].map((j) => {
            let s = b[o][i][j];
            for (let c = 0; c < 2; c++) for (let a = 0; a < 2; a++) for (let d = 0; d < 3; d++) s += w[i][j][o][c][a][d] * xv[n][c][2 * i + a][j + d];
            return s;
          }),
        ),
      ),
    );
    expectClose(y.flat(3), hand.flat(3), 1e-12);
  });

  it('differs from a shared-weight conv once positions get different weights, and passes gradient checks', () => {
    const lc = new LocallyConnected2d(1, 2, [3, 3], 2, { dtype: 'float64' });
    const x = randT([2, 1, 3, 3], 5).requiresGrad_();
    gradCheck(() => lc.call(x), [x, lc.weight, lc.bias!]);
  });

  it('initialises each position like a Conv2d: U(±1/√(in·kH·kW))', () => {
    manualSeed(5);
    const lc = new LocallyConnected2d(3, 8, [10, 10], 3);
    const v = Array.from(lc.weight.dataSync());
    const bound = 1 / Math.sqrt(27);
    expect(Math.max(...v)).toBeLessThanOrEqual(bound);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...v)).toBeGreaterThan(0.95 * bound);
  });

  it('rejects inputs of the wrong channel count or spatial size', () => {
    const lc = new LocallyConnected2d(2, 3, [4, 5], 2);
    expect(() => lc.call(tensor(new Array(40).fill(0), { shape: [1, 2, 5, 4] }))).toThrow(
      'LocallyConnected2d(2→3): expected input of shape [N, 2, 4, 5] but got [1, 2, 5, 4].',
    );
    expect(() => new LocallyConnected2d(2, 3, [4, 5], 6)).toThrow(LayerConfigError);
  });
});

describe('LocallyConnected1d', () => {
  it('computes y[n,o,p] = b[o,p] + Σ w[p,o,c,t]·x[n,c,p·s+t] and passes gradient checks', () => {
    const lc = new LocallyConnected1d(2, 2, 7, 3, { stride: 2, dtype: 'float64' });
    expect(lc.weight.shape).toEqual([3, 2, 2, 3]);
    expect(lc.bias!.shape).toEqual([2, 3]);
    const x = randT([1, 2, 7], 7).requiresGrad_();
    const xv = x.arraySync() as number[][][];
    const w = lc.weight.arraySync() as number[][][][];
    const b = lc.bias!.arraySync() as number[][];
    const hand = [0, 1].map((o) => [0, 1, 2].map((p) => {
      let s = b[o][p];
      for (let c = 0; c < 2; c++) for (let t = 0; t < 3; t++) s += w[p][o][c][t] * xv[0][c][2 * p + t];
      return s;
    }));
    expectClose(lc.call(x).dataSync(), hand.flat(), 1e-12);
    gradCheck(() => lc.call(x), [x, lc.weight, lc.bias!]);
    expect(() => lc.call(randT([1, 2, 8], 1))).toThrow(/expected input of shape \[N, 2, 7\] but got \[1, 2, 8\]/);
  });
});

describe('pooling', () => {
  const cases: { name: string; kind: 'max' | 'avg'; k: number[]; s: number[]; p: number[]; ceil: boolean; inc: boolean }[] = [
    { name: '2×2', kind: 'max', k: [2, 2], s: [2, 2], p: [0, 0], ceil: false, inc: true },
    { name: '3×3 stride 2 ceil (GoogLeNet)', kind: 'max', k: [3, 3], s: [2, 2], p: [0, 0], ceil: true, inc: true },
    { name: 'padding + ceil', kind: 'max', k: [2, 3], s: [2, 2], p: [1, 1], ceil: true, inc: true },
    { name: 'avg 2×2', kind: 'avg', k: [2, 2], s: [2, 2], p: [0, 0], ceil: false, inc: true },
    { name: 'avg padding counted', kind: 'avg', k: [3, 3], s: [2, 2], p: [1, 1], ceil: false, inc: true },
    { name: 'avg padding not counted', kind: 'avg', k: [3, 3], s: [2, 2], p: [1, 1], ceil: false, inc: false },
    { name: 'avg ceil counted', kind: 'avg', k: [2, 3], s: [2, 2], p: [1, 1], ceil: true, inc: true },
    { name: 'avg ceil not counted', kind: 'avg', k: [3, 2], s: [2, 3], p: [0, 1], ceil: true, inc: false },
  ];
  for (const c of cases) {
    it(`${c.kind}Pool2d ${c.name} matches the windows computed by hand, with gradients`, () => {
      const opts = { stride: c.s as [number, number], padding: c.p as [number, number], ceilMode: c.ceil };
      const layer = c.kind === 'max' ? new MaxPool2d(c.k as [number, number], opts) : new AvgPool2d(c.k as [number, number], { ...opts, countIncludePad: c.inc });
      const img = randT([1, 1, 6, 8], 9);
      const ref = poolRef(c.kind, planes(img)[0][0], c.k, c.s, c.p, c.ceil, c.inc);
      const floorRef = poolRef(c.kind, planes(img)[0][0], c.k, c.s, c.p, false, c.inc);
      // ceil cases are chosen so that a partial window is really kept
      expect(ref.length * ref[0].length > floorRef.length * floorRef[0].length).toBe(c.ceil);
      const y = layer.call(img);
      expect(y.shape).toEqual([1, 1, ref.length, ref[0].length]);
      expectClose(y.dataSync(), ref.flat(), 1e-12);
      const x = randT([1, 2, 6, 8], 10).requiresGrad_();
      gradCheck(() => layer.call(x), [x]);
    });
  }

  it('MaxPool1d and AvgPool1d pool along L', () => {
    const x = tensor([[[1, 5, 2, 8, 3]]], { dtype: 'float64' });
    expect(new MaxPool1d(2).call(x).arraySync()).toEqual([[[5, 8]]]);
    expect(new MaxPool1d(2, { ceilMode: true }).call(x).arraySync()).toEqual([[[5, 8, 3]]]);
    expect(new AvgPool1d(2, { stride: 1 }).call(x).arraySync()).toEqual([[[3, 3.5, 5, 5.5]]]);
    // padding 1, counted: [0,1] [5,2] [8,3] → 0.5, 3.5, 5.5
    expect(new AvgPool1d(2, { padding: 1 }).call(x).arraySync()).toEqual([[[0.5, 3.5, 5.5]]]);
    const g = randT([2, 3, 6], 4).requiresGrad_();
    gradCheck(() => new AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true }).call(g), [g]);
    gradCheck(() => new MaxPool1d(2, { stride: 1 }).call(g), [g]);
  });

  it('names the layer and the expected layout on bad input; rejects too much padding', () => {
    expect(() => new MaxPool2d(2).call(tensor([[1, 2]]))).toThrow('MaxPool2d(kernelSize=(2, 2)): expected input of shape [N, C, H, W] but got [1, 2].');
    expect(() => new AvgPool1d(2).call(randT([1, 2, 3, 4], 1))).toThrow(ShapeError);
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(/at most half the kernel/);
    expect(String(new MaxPool2d(3, { stride: 2, ceilMode: true }))).toBe('MaxPool2d(kernelSize=(3, 3), stride=(2, 2), padding=(0, 0), ceilMode=true)');
  });
});

describe('AdaptiveAvgPool2d and GlobalAvgPool', () => {
  it("uses PyTorch's windows ⌊i·n/out⌋ … ⌈(i+1)·n/out⌉", () => {
    expect(adaptiveWindows(5, 3)).toEqual([{ start: 0, end: 2 }, { start: 1, end: 4 }, { start: 3, end: 5 }]);
    expect(adaptiveWindows(7, 7).every((w, i) => w.start === i && w.end === i + 1)).toBe(true);
  });

  it('averages each window (overlapping, uneven) by hand, for divisible and non-divisible sizes', () => {
    const x = randT([2, 3, 5, 7], 12);
    const xv = planes(x);
    for (const [oh, ow] of [[3, 4], [2, 7], [5, 1], [1, 1]]) {
      const y = new AdaptiveAvgPool2d([oh, ow]).call(x);
      expect(y.shape).toEqual([2, 3, oh, ow]);
      const hand: number[] = [];
      for (let n = 0; n < 2; n++)
        for (let c = 0; c < 3; c++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const h0 = Math.floor((i * 5) / oh), h1 = Math.ceil(((i + 1) * 5) / oh);
              const w0 = Math.floor((j * 7) / ow), w1 = Math.ceil(((j + 1) * 7) / ow);
              let s = 0;
              for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) s += xv[n][c][a][b];
              hand.push(s / ((h1 - h0) * (w1 - w0)));
            }
      expectClose(y.dataSync(), hand, 1e-12);
    }
    expect(new AdaptiveAvgPool2d([null, 2]).call(x).shape).toEqual([2, 3, 5, 2]);
  });

  it('passes gradient checks; GlobalAvgPool gives [N, C] means', () => {
    const x = randT([1, 2, 5, 4], 13).requiresGrad_();
    gradCheck(() => new AdaptiveAvgPool2d(3).call(x), [x]);
    gradCheck(() => new AdaptiveAvgPool2d([5, 2]).call(x), [x]);
    const g = new GlobalAvgPool().call(x);
    expect(g.shape).toEqual([1, 2]);
    const xv = planes(x)[0];
    expectClose(g.dataSync(), xv.map((p) => p.flat().reduce((a, b) => a + b, 0) / 20), 1e-12);
    gradCheck(() => new GlobalAvgPool().call(x), [x]);
    expect(() => new GlobalAvgPool().call(tensor([1, 2]))).toThrow(/GlobalAvgPool: expected input of shape \[N, C, L\] or \[N, C, H, W\]/);
    expect(() => new AdaptiveAvgPool2d(0)).toThrow(LayerConfigError);
  });
});

describe('Flatten and Reshape', () => {
  it('flatten keeps the batch axis by default and views without copying values', () => {
    const x = randT([2, 3, 4, 5], 1);
    expect(new Flatten().call(x).shape).toEqual([2, 60]);
    expect(new Flatten(0, -1).call(x).shape).toEqual([120]);
    expect(new Flatten(1, 2).call(x).shape).toEqual([2, 12, 5]);
    expect(Array.from(new Flatten().call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(() => new Flatten(2, 5).call(x)).toThrow(/Flatten\(startDim=2, endDim=5\): input \[2, 3, 4, 5\] has only 4 axes/);
  });

  it('reshape maps each sample to the target (−1 inferred) and explains a size mismatch', () => {
    const x = randT([3, 784], 1);
    expect(new Reshape([1, 28, 28]).call(x).shape).toEqual([3, 1, 28, 28]);
    expect(new Reshape([-1, 7]).call(x).shape).toEqual([3, 112, 7]);
    expect(() => new Reshape([5, 5]).call(x)).toThrow('Reshape([5, 5]): cannot reshape input [3, 784] (784 values per sample) to [N, 5, 5]; the sizes must multiply to 784.');
    expect(() => new Reshape([-1, -1])).toThrow(LayerConfigError);
    const g = randT([2, 6], 2).requiresGrad_();
    gradCheck(() => new Reshape([3, 2]).call(g), [g]);
    const g3 = randT([2, 3, 2], 3).requiresGrad_();
    gradCheck(() => new Flatten().call(g3), [g3]);
  });
});
