import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, ShapeError, type Tensor, gradients, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  BCELoss,
  BCEWithLogitsLoss,
  ExponentialLoss,
  HingeLoss,
  LogisticLoss,
  SquaredHingeLoss,
  bceLoss,
  bceWithLogitsLoss,
  exponentialLoss,
  hingeLoss,
  logisticLoss,
  squaredHingeLoss,
} from '../src/index.js';
import type { Reduction, ReductionOptions } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';
import { f64, leaf, read, reduced, sigmoid } from './losses-reference.js';

beforeAll(() => use(cpu()));

const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean'];
function expectReductions(f: (r: Reduction) => Tensor, want: { none: number[]; sum: number; mean: number }, atol = 1e-12): void {
  for (const r of REDUCTIONS) expectClose(read(f(r)), r === 'none' ? want.none : [want[r]], atol);
}

/** Values and gradients of a loss on float32 extremes are finite. */
function expectFiniteWithGradient(f: (x: Tensor) => Tensor, x: Tensor): number[] {
  x.requiresGrad_();
  const loss = f(x);
  const [g] = gradients(loss.sum(), [x]);
  const v = Array.from(loss.dataSync());
  expect(v.every(Number.isFinite), `values ${v}`).toBe(true);
  expect(Array.from(g.dataSync()).every(Number.isFinite), 'gradient').toBe(true);
  loss.dispose();
  g.dispose();
  x.dispose();
  return v;
}

describe('bceLoss (probabilities)', () => {
  const X = [0.9, 0.2, 0.6, 0.35];
  const Y = [1, 0, 0.5, 1];
  const per = X.map((x, i) => -(Y[i] * Math.log(x) + (1 - Y[i]) * Math.log(1 - x)));

  it('is −(y·log x + (1 − y)·log(1 − x)), every reduction, with per-element weights', () => {
    expect(per[0]).toBeCloseTo(-Math.log(0.9), 14);
    expectReductions((reduction) => bceLoss(f64(X), f64(Y), { reduction }), reduced(per));
    const w = [2, 1, 0.5, 0];
    expectReductions((reduction) => bceLoss(f64(X), f64(Y), { weight: f64(w), reduction }), reduced(per.map((v, i) => v * w[i])));
    // a weight that broadcasts: [2] over [2, 2]
    const got = read(bceLoss(f64(X, [2, 2]), f64(Y, [2, 2]), { weight: f64([3, 1]), reduction: 'none' }));
    expectClose(got, per.map((v, i) => v * [3, 1][i % 2]), 1e-12);
  });

  it('clamps each log at −100 like PyTorch: x = 0 or 1 stays finite, gradients too', () => {
    const v = expectFiniteWithGradient((x) => bceLoss(x, tensor([1, 0, 0, 1]), { reduction: 'none' }), tensor([0, 1, 0, 1]));
    expectClose(v, [100, 100, 0, 0], 1e-4);
  });

  it('gradient matches finite differences', () => {
    const x = leaf([0.9, 0.2, 0.6, 0.35, 0.5, 0.05]);
    gradCheck(() => bceLoss(x, f64([1, 0, 0.5, 1, 0, 1]), { weight: f64([1, 2, 3, 1, 1, 0.5]) }), [x]);
  });

  it('rejects inputs outside [0, 1] and mismatched shapes', () => {
    expect(() => bceLoss(f64([0.5, 1.5]), f64([1, 0]))).toThrow(DataError);
    expect(() => bceLoss(f64([0.5, 1.5]), f64([1, 0]))).toThrow(/apply sigmoid first/);
    expect(() => bceLoss(f64([0.5]), f64([1, 0]))).toThrow(ShapeError);
    expect(() => bceLoss(f64([0.5, 0.5]), f64([1, 0]), { weight: f64([1, 2, 3]) })).toThrow(/bceLoss: weight \[3\] must broadcast/);
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  const X = [1, -2, 0.5, 3];
  const Y = [1, 0, 0.25, 1];

  it('equals BCE of sigmoid(x); posWeight scales the positive term per class', () => {
    const per = X.map((x, i) => -(Y[i] * Math.log(sigmoid(x)) + (1 - Y[i]) * Math.log(1 - sigmoid(x))));
    expectReductions((reduction) => bceWithLogitsLoss(f64(X), f64(Y), { reduction }), reduced(per));
    const pw = [2, 0.5];
    const perPw = X.map((x, i) => -(pw[i % 2] * Y[i] * Math.log(sigmoid(x)) + (1 - Y[i]) * Math.log(1 - sigmoid(x))));
    expectReductions(
      (reduction) => bceWithLogitsLoss(f64(X, [2, 2]), f64(Y, [2, 2]), { posWeight: f64(pw), reduction }),
      { ...reduced(perPw) },
    );
    const w = [1, 0, 2, 1];
    const got = read(bceWithLogitsLoss(f64(X), f64(Y), { weight: f64(w) }));
    expectClose(got, [per.reduce((a, v, i) => a + v * w[i], 0) / 4], 1e-12);
  });

  it('extreme logits ±1e4: finite values and gradients', () => {
    const v = expectFiniteWithGradient(
      (x) => bceWithLogitsLoss(x, tensor([1, 0, 0, 1]), { posWeight: tensor([3]), reduction: 'none' }),
      tensor([1e4, -1e4, 1e4, -1e4]),
    );
    expectClose(v, [0, 0, 1e4, 3e4], 1e-3, 1e-6);
  });

  it('gradient matches finite differences', () => {
    const x = randT([3, 2], 21, 3).requiresGrad_();
    gradCheck(() => bceWithLogitsLoss(x, f64([1, 0, 0.3, 1, 0, 0.7], [3, 2]), { posWeight: f64([2, 0.5]), weight: f64([1, 3]) }), [x]);
  });

  it('modules match the functions', () => {
    expectClose(read(new BCEWithLogitsLoss({ reduction: 'sum' }).call(f64(X), f64(Y))), read(bceWithLogitsLoss(f64(X), f64(Y), { reduction: 'sum' })), 1e-12);
    expectClose(read(new BCELoss().call(f64([0.3]), f64([1]))), [-Math.log(0.3)], 1e-12);
  });
});

describe('margin losses (labels ±1)', () => {
  // margins m = y·f = [2, 0.5, −1, 0, −0.3]
  const F = [2, 0.5, -1, 0, 0.3];
  const Y = [1, 1, 1, -1, -1];
  const M = [2, 0.5, -1, 0, -0.3];
  const CASES: { name: string; fn: (f: Tensor, y: Tensor, o?: ReductionOptions) => Tensor; per: number[] }[] = [
    { name: 'logistic', fn: logisticLoss, per: M.map((m) => Math.log(1 + Math.exp(-m))) },
    { name: 'hinge', fn: hingeLoss, per: [0, 0.5, 2, 1, 1.3] },
    { name: 'squaredHinge', fn: squaredHingeLoss, per: [0, 0.25, 4, 1, 1.69] },
    { name: 'exponential', fn: exponentialLoss, per: M.map((m) => Math.exp(-m)) },
  ];

  for (const c of CASES) {
    it(`${c.name}: hand values for every reduction; gradient checks`, () => {
      expectReductions((reduction) => c.fn(f64(F), f64(Y), { reduction }), reduced(c.per));
      const f = leaf([1.7, 0.2, -0.6, 0.4, -1.3]); // margins away from the hinge at 1
      gradCheck(() => c.fn(f, f64([1, -1, 1, 1, -1]), { reduction: 'none' }), [f]);
    });
  }

  it('logistic loss equals BCE with logits on {0, 1} labels', () => {
    const a = read(logisticLoss(f64(F), f64(Y), { reduction: 'none' }));
    const b = read(bceWithLogitsLoss(f64(F), f64(Y.map((y) => (y + 1) / 2)), { reduction: 'none' }));
    expectClose(a, b, 1e-12);
  });

  it('extreme scores ±1e4: logistic, hinge and squared hinge finite; exponential only where it is representable', () => {
    const y = (): Tensor => tensor([1, -1, 1, -1]);
    expectClose(expectFiniteWithGradient((f) => logisticLoss(f, y(), { reduction: 'none' }), tensor([1e4, -1e4, -1e4, 1e4])), [0, 0, 1e4, 1e4], 1e-3, 1e-6);
    expectClose(expectFiniteWithGradient((f) => hingeLoss(f, y(), { reduction: 'none' }), tensor([1e4, -1e4, -1e4, 1e4])), [0, 0, 10001, 10001], 1e-3, 1e-6);
    expectClose(expectFiniteWithGradient((f) => squaredHingeLoss(f, y(), { reduction: 'none' }), tensor([1e4, -1e4, -1e4, 1e4])), [0, 0, 10001 ** 2, 10001 ** 2], 1, 1e-6);
    expectClose(expectFiniteWithGradient((f) => exponentialLoss(f, tensor([1, -1]), { reduction: 'none' }), tensor([1e4, -1e4])), [0, 0], 0);
    // exp(1e4) is not a float: the documented overflow, not a NaN
    expect(read(exponentialLoss(tensor([-1e4]), tensor([1])))).toEqual([Infinity]);
  });

  it('reject {0, 1} labels with a fix, and mismatched shapes', () => {
    expect(() => hingeLoss(f64([1, 2]), f64([0, 1]))).toThrow(DataError);
    expect(() => hingeLoss(f64([1, 2]), f64([0, 1]))).toThrow(/hingeLoss: labels must be −1 or \+1.*y\.mul\(2\)\.sub\(1\)/);
    expect(() => logisticLoss(f64([1, 2]), f64([1]))).toThrow(ShapeError);
  });

  it('modules match the functions and nothing leaks', () => {
    const f = f64(F);
    const y = f64(Y);
    const before = memory().numTensors;
    for (const [M, fn] of [[LogisticLoss, logisticLoss], [HingeLoss, hingeLoss], [SquaredHingeLoss, squaredHingeLoss], [ExponentialLoss, exponentialLoss]] as const) {
      const a = new M({ reduction: 'sum' }).call(f, y);
      const b = fn(f, y, { reduction: 'sum' });
      expectClose(read(a), read(b), 1e-12);
    }
    tidy(() => void bceWithLogitsLoss(f, y.add(1).div(2), { posWeight: f64([2]) }));
    expect(memory().numTensors).toBe(before);
  });
});
