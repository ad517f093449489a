import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, manualSeed, memory, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm1d, BatchNorm2d, type BatchNormBase, LayerConfigError } from '../src/index.js';
import { expectClose, gradCheck, randT, values } from './helpers.js';

beforeAll(() => use(cpu()));

const EPS = 1e-5;

/** Per-channel statistics of a row-major [N, C, ...rest] array, computed by hand. */
function channelStats(data: number[], shape: number[]): { mean: number[]; biasedVar: number[]; unbiasedVar: number[] } {
  const [n, c] = shape;
  const rest = data.length / (n * c);
  const at = (b: number, ch: number, r: number): number => data[(b * c + ch) * rest + r];
  const mean: number[] = [];
  const biasedVar: number[] = [];
  const unbiasedVar: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) for (let r = 0; r < rest; r++) s += at(b, ch, r);
    const m = s / (n * rest);
    let ss = 0;
    for (let b = 0; b < n; b++) for (let r = 0; r < rest; r++) ss += (at(b, ch, r) - m) ** 2;
    mean.push(m);
    biasedVar.push(ss / (n * rest));
    unbiasedVar.push(ss / (n * rest - 1));
  }
  return { mean, biasedVar, unbiasedVar };
}

/** y = (x − mean_c)/√(var_c + eps)·w_c + b_c elementwise, by hand. */
function normalise(data: number[], shape: number[], mean: number[], variance: number[], w: number[], b: number[]): number[] {
  const [, c] = shape;
  const rest = data.length / (shape[0] * c);
  return data.map((v, i) => {
    const ch = Math.floor(i / rest) % c;
    return ((v - mean[ch]) / Math.sqrt(variance[ch] + EPS)) * w[ch] + b[ch];
  });
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync());

function setAffine(bn: BatchNormBase, w: number[], b: number[]): void {
  noGrad(() => tidy(() => {
    bn.weight!.assign(tensor(w, { dtype: bn.dtype }));
    bn.bias!.assign(tensor(b, { dtype: bn.dtype }));
  }));
}

describe('BatchNorm', () => {
  it('BatchNorm1d [N, C] training: batch statistics (biased variance) and the affine transform, by hand', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' });
    setAffine(bn, [2, -0.5], [0.25, 1]);
    const data = [1, 10, 2, 14, 4, 11, 7, 9];
    const x = tensor(data, { shape: [4, 2], dtype: 'float64' });
    const { mean, biasedVar } = channelStats(data, [4, 2]);
    expectClose(flat(bn.call(x)), normalise(data, [4, 2], mean, biasedVar, [2, -0.5], [0.25, 1]), 1e-12);
  });

  it('BatchNorm1d [N, C, L] and BatchNorm2d [N, C, H, W] reduce over every axis but the channels', () => {
    const cases: [BatchNormBase, number[]][] = [
      [new BatchNorm1d(3, { dtype: 'float64' }), [2, 3, 4]],
      [new BatchNorm2d(3, { dtype: 'float64' }), [2, 3, 2, 3]],
    ];
    for (const [bn, shape] of cases) {
      setAffine(bn, [1.5, 0.5, -1], [0, 0.1, -0.2]);
      const x = randT(shape, 7, 3);
      const data = flat(x);
      const { mean, biasedVar } = channelStats(data, shape);
      expectClose(flat(bn.call(x)), normalise(data, shape, mean, biasedVar, [1.5, 0.5, -1], [0, 0.1, -0.2]), 1e-12);
    }
  });

  it('running statistics after several batches follow the momentum formula with the unbiased variance', () => {
    const bn = new BatchNorm2d(2, { momentum: 0.3, dtype: 'float64' });
    let rm = [0, 0];
    let rv = [1, 1];
    for (let step = 1; step <= 3; step++) {
      const x = randT([3, 2, 2, 2], 100 + step, 1 + step);
      const { mean, unbiasedVar } = channelStats(flat(x), [3, 2, 2, 2]);
      bn.call(x);
      rm = rm.map((r, c) => 0.7 * r + 0.3 * mean[c]);
      rv = rv.map((r, c) => 0.7 * r + 0.3 * unbiasedVar[c]);
      expectClose(flat(bn.runningMean!), rm, 1e-12);
      expectClose(flat(bn.runningVar!), rv, 1e-12);
      expect(bn.numBatchesTracked!.dtype).toBe('int32');
      expect(bn.numBatchesTracked!.itemSync()).toBe(step);
    }
  });

  it('momentum null keeps a cumulative average (factor 1/num_batches_tracked)', () => {
    const bn = new BatchNorm1d(3, { momentum: null, dtype: 'float64' });
    const means: number[][] = [];
    const vars: number[][] = [];
    for (let step = 1; step <= 4; step++) {
      const x = randT([5, 3], 40 + step, step);
      const s = channelStats(flat(x), [5, 3]);
      means.push(s.mean);
      vars.push(s.unbiasedVar);
      bn.call(x);
    }
    const avg = (rows: number[][]): number[] => rows[0].map((_, c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);
    expectClose(flat(bn.runningMean!), avg(means), 1e-12);
    expectClose(flat(bn.runningVar!), avg(vars), 1e-12);
    expect(bn.numBatchesTracked!.itemSync()).toBe(4);
  });

  it('eval mode normalises with the running statistics and leaves them unchanged', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' });
    setAffine(bn, [3, 0.5], [1, -1]);
    bn.call(randT([6, 2], 3, 2));
    bn.call(randT([6, 2], 4, 2));
    const rm = flat(bn.runningMean!);
    const rv = flat(bn.runningVar!);
    bn.eval();
    const x = randT([4, 2], 5);
    const data = flat(x);
    const y = flat(bn.call(x));
    expectClose(y, normalise(data, [4, 2], rm, rv, [3, 0.5], [1, -1]), 1e-12);
    expect(flat(bn.runningMean!)).toEqual(rm);
    expect(flat(bn.runningVar!)).toEqual(rv);
    expect(bn.numBatchesTracked!.itemSync()).toBe(2);
    // Training mode gives a different answer on the same input (batch statistics).
    bn.train();
    const { mean, biasedVar } = channelStats(data, [4, 2]);
    const yTrain = flat(bn.call(x));
    expectClose(yTrain, normalise(data, [4, 2], mean, biasedVar, [3, 0.5], [1, -1]), 1e-12);
    expect(Math.max(...yTrain.map((v, i) => Math.abs(v - y[i])))).toBeGreaterThan(0.1);
  });

  it('a single-sample batch works in eval mode (PyTorch inference)', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float64' }).eval();
    expectClose(flat(bn.call(tensor([[1, 2]], { dtype: 'float64' }))), [1 / Math.sqrt(1 + EPS), 2 / Math.sqrt(1 + EPS)], 1e-12);
  });

  it('trackRunningStats false: no buffers, batch statistics in eval too; affine false: no parameters', () => {
    const bn = new BatchNorm1d(2, { trackRunningStats: false, affine: false, dtype: 'float64' });
    expect(Object.keys(bn.stateDict())).toEqual([]);
    bn.eval();
    const data = [1, 5, 3, 2, 8, 0];
    const { mean, biasedVar } = channelStats(data, [3, 2]);
    expectClose(flat(bn.call(tensor(data, { shape: [3, 2], dtype: 'float64' }))), normalise(data, [3, 2], mean, biasedVar, [1, 1], [0, 0]), 1e-12);
  });

  it('has PyTorch state-dict keys, shapes, dtypes and defaults', () => {
    const net = new BatchNorm2d(4);
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.values(sd).map((t) => [t.shape, t.dtype])).toEqual([
      [[4], 'float32'], [[4], 'float32'], [[4], 'float32'], [[4], 'float32'], [[], 'int32'],
    ]);
    expect(flat(sd.weight)).toEqual([1, 1, 1, 1]);
    expect(flat(sd.running_var)).toEqual([1, 1, 1, 1]);
    expect(net.parameters()).toHaveLength(2);
    expect(String(net)).toBe('BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    net.resetRunningStats();
    expect(sd.num_batches_tracked.itemSync()).toBe(0);
  });

  it('gradients through training-mode BatchNorm pass float64 finite differences (input, weight, bias)', () => {
    for (const [bn, shape] of [[new BatchNorm1d(3, { dtype: 'float64' }), [4, 3]], [new BatchNorm2d(2, { dtype: 'float64' }), [2, 2, 2, 2]]] as const) {
      setAffine(bn, values(bn.numFeatures, 9).map((v) => 1 + v), values(bn.numFeatures, 10));
      const x = randT([...shape], 11).requiresGrad_();
      gradCheck(() => bn.call(x), [x, bn.weight!, bn.bias!]);
    }
  });

  it('gradients through eval-mode BatchNorm pass finite differences too', () => {
    const bn = new BatchNorm1d(3, { dtype: 'float64' });
    bn.call(randT([5, 3], 12, 2));
    bn.eval();
    const x = randT([2, 3, 2], 13).requiresGrad_();
    gradCheck(() => bn.call(x), [x, bn.weight!, bn.bias!]);
  });

  it('training steps leak no tensors (memory().numTensors stable)', () => {
    manualSeed(3);
    const bn = new BatchNorm2d(3);
    const x = noGrad(() => tidy(() => randT([2, 3, 3, 3], 14).cast('float32')));
    const step = (): void =>
      tidy(() => {
        const loss = bn.call(x).square().mean();
        loss.backward();
        noGrad(() => {
          for (const p of bn.parameters()) p.assign(p.sub(p.grad!.mul(0.1)));
        });
        bn.zeroGrad();
      });
    step();
    const after1 = memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(memory().numTensors).toBe(after1);
    expect(bn.numBatchesTracked!.itemSync()).toBe(5);
    x.dispose();
  });

  it('bad input names the layer, the expected layout and the actual shape', () => {
    const bn2 = new BatchNorm2d(3);
    expect(() => bn2.call(randT([2, 4, 5, 5], 1).cast('float32'))).toThrow(ShapeError);
    expect(() => bn2.call(randT([2, 4, 5, 5], 1).cast('float32'))).toThrow(/BatchNorm2d\(3\): expected input of shape \[N, 3, H, W\] but got \[2, 4, 5, 5\]/);
    expect(() => bn2.call(randT([3, 5, 5], 1).cast('float32'))).toThrow(/unsqueeze\(0\)/);
    const bn1 = new BatchNorm1d(3);
    expect(() => bn1.call(randT([2, 3, 4, 4], 1).cast('float32'))).toThrow(/\[N, 3\] or \[N, 3, L\] but got \[2, 3, 4, 4\].*BatchNorm2d/);
    expect(() => bn1.call(randT([1, 3], 1).cast('float32'))).toThrow(/more than 1 value per channel/);
    expect(() => bn1.call(randT([2, 3], 1))).toThrow(DTypeError);
    expect(() => bn1.call(randT([2, 3], 1))).toThrow(/parameters are float32 but the input is float64/);
    expect(() => bn1.call(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => new BatchNorm1d(0)).toThrow(LayerConfigError);
    expect(() => new BatchNorm1d(2, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
  });
});
