import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, IndexError, ShapeError, type Tensor, gradients, logSoftmax, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { CrossEntropyLoss, LayerConfigError, NLLLoss, crossEntropyLoss, nllLoss } from '../src/index.js';
import type { Reduction } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';
import { f64, i32, leaf, logSoftmaxRow, read, reduced } from './losses-reference.js';

beforeAll(() => use(cpu()));

const LOGITS = [
  [2, 0, -1],
  [0.5, 0.5, 3],
  [-1, 1.5, 0.25],
];
const logits = (): Tensor => f64(LOGITS.flat(), [3, 3]);
const LP = LOGITS.map(logSoftmaxRow);
const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean'];

function expectReductions(f: (r: Reduction) => Tensor, want: { none: number[]; sum: number; mean: number }, atol = 1e-12): void {
  for (const r of REDUCTIONS) expectClose(read(f(r)), r === 'none' ? want.none : [want[r]], atol);
}

describe('crossEntropyLoss with class indices', () => {
  const T = [0, 2, 1];

  it('is −log softmax at the target, every reduction', () => {
    const per = T.map((t, n) => -LP[n][t]);
    expectReductions((reduction) => crossEntropyLoss(logits(), i32(T), { reduction }), reduced(per));
    // a literal check of the first row: log(e² + 1 + e⁻¹) − 2
    expect(per[0]).toBeCloseTo(Math.log(Math.exp(2) + 1 + Math.exp(-1)) - 2, 14);
  });

  it('class weights: weighted terms, mean divides by the sum of the targets’ weights', () => {
    const w = [1, 2, 0.5];
    const per = T.map((t, n) => -w[t] * LP[n][t]);
    expectReductions((reduction) => crossEntropyLoss(logits(), i32(T), { weight: f64(w), reduction }), reduced(per, 1 + 0.5 + 2));
  });

  it('ignoreIndex: ignored rows contribute 0 and leave the mean’s count', () => {
    const per = [-LP[0][0], 0, -LP[2][1]];
    expectReductions((reduction) => crossEntropyLoss(logits(), i32([0, -100, 1]), { reduction }), reduced(per, 2));
    const w = [1, 2, 0.5];
    const perW = [-w[0] * LP[0][0], -w[2] * LP[1][2], 0];
    expectReductions(
      (reduction) => crossEntropyLoss(logits(), i32([0, 2, 1]), { weight: f64(w), ignoreIndex: 1, reduction }),
      reduced(perW, w[0] + w[2]),
    );
  });

  it('label smoothing: (1 − ε)·nll + ε/C·Σ_c −log p_c, with weights and ignored rows', () => {
    const eps = 0.1;
    const C = 3;
    const per = T.map((t, n) => (1 - eps) * -LP[n][t] + (eps / C) * LP[n].reduce((a, v) => a - v, 0));
    expectReductions((reduction) => crossEntropyLoss(logits(), i32(T), { labelSmoothing: eps, reduction }), reduced(per));
    const w = [1, 2, 0.5];
    const tw = [0, -100, 1];
    const perW = tw.map((t, n) =>
      t < 0 ? 0 : (1 - eps) * -w[t] * LP[n][t] + (eps / C) * LP[n].reduce((a, v, c) => a - w[c] * v, 0),
    );
    expectReductions(
      (reduction) => crossEntropyLoss(logits(), i32(tw), { labelSmoothing: eps, weight: f64(w), reduction }),
      reduced(perW, w[0] + w[1]),
    );
  });

  it('accepts [N, C, d] inputs (classes on axis 1) and an unbatched [C] input', () => {
    // x[n, c, k] = LOGITS[(n + k) % 3][c]
    const N = 2, K = 2;
    const data: number[] = [];
    for (let n = 0; n < N; n++) for (let c = 0; c < 3; c++) for (let k = 0; k < K; k++) data.push(LOGITS[(n + k) % 3][c]);
    const t = [[0, 1], [2, 0]];
    const per = [0, 1].flatMap((n) => [0, 1].map((k) => -LP[(n + k) % 3][t[n][k]]));
    expectReductions((reduction) => crossEntropyLoss(f64(data, [N, 3, K]), i32(t.flat(), [N, K]), { reduction }), reduced(per));
    const none = crossEntropyLoss(f64(data, [N, 3, K]), i32(t.flat(), [N, K]), { reduction: 'none' });
    expect(none.shape).toEqual([N, K]);
    none.dispose();

    const one = crossEntropyLoss(f64(LOGITS[1]), tensor(2, { dtype: 'int32' }), { reduction: 'none' });
    expect(one.shape).toEqual([]);
    expectClose(read(one), [-LP[1][2]], 1e-12);
  });

  it('gradient matches finite differences (plain, weighted + smoothed + ignored, [N, C, d])', () => {
    const x = randT([4, 3], 7, 2).requiresGrad_();
    gradCheck(() => crossEntropyLoss(x, i32([0, 2, 1, 2])), [x]);
    gradCheck(() => crossEntropyLoss(x, i32([0, 2, -100, 1]), { weight: f64([0.5, 2, 1]), labelSmoothing: 0.2, reduction: 'none' }), [x]);
    gradCheck(() => crossEntropyLoss(x, i32([0, 2, 5, 1]), { weight: f64([0.5, 2, 1]), ignoreIndex: 5, labelSmoothing: 0.3 }), [x]);
    const x3 = randT([2, 3, 2], 8, 2).requiresGrad_();
    gradCheck(() => crossEntropyLoss(x3, i32([0, 1, 2, 2], [2, 2])), [x3]);
  });

  it('extreme logits ±1e4 give finite values and finite gradients', () => {
    const x = tensor([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]]).requiresGrad_();
    const loss = crossEntropyLoss(x, i32([1, 0]), { labelSmoothing: 0.1 });
    const [g] = gradients(loss, [x]);
    const v = loss.itemSync();
    // row 0: (1−ε)·2e4 + ε/3·(0 + 2e4 + 1e4); row 1: (1−ε)·(2e4 + ln 2) + ε/3·((2e4 + ln 2) + 2·ln 2)
    const r0 = 0.9 * 2e4 + (0.1 / 3) * 3e4;
    const r1 = 0.9 * (2e4 + Math.LN2) + (0.1 / 3) * (2e4 + 3 * Math.LN2);
    expect(v).toBeCloseTo((r0 + r1) / 2, 0);
    const gv = Array.from(g.dataSync());
    expect(gv.every(Number.isFinite)).toBe(true);
    // d/dx of the mean: (softmax − smoothed one-hot)/N; row 0: softmax = [1, 0, 0.5·e⁻¹e⁴≈0]
    expectClose(gv.slice(0, 3), [(1 - 0.1 / 3) / 2, -(0.9 + 0.1 / 3) / 2, -(0.1 / 3) / 2], 1e-6);
    loss.dispose();
    g.dispose();
    x.dispose();
  });
});

describe('crossEntropyLoss with class probabilities', () => {
  const P = [
    [0.7, 0.2, 0.1],
    [0, 0.5, 0.5],
    [1, 0, 0],
  ];

  it('is −Σ p·log softmax; weights scale each class; mean is over rows only', () => {
    const per = P.map((p, n) => -p.reduce((a, pc, c) => a + pc * LP[n][c], 0));
    expectReductions((reduction) => crossEntropyLoss(logits(), f64(P.flat(), [3, 3]), { reduction }), reduced(per));
    const w = [1, 2, 0.5];
    const perW = P.map((p, n) => -p.reduce((a, pc, c) => a + w[c] * pc * LP[n][c], 0));
    expectReductions((reduction) => crossEntropyLoss(logits(), f64(P.flat(), [3, 3]), { weight: f64(w), reduction }), reduced(perW, 3));
  });

  it('label smoothing mixes the target with the uniform distribution', () => {
    const eps = 0.25;
    const per = P.map((p, n) => -p.reduce((a, pc, c) => a + ((1 - eps) * pc + eps / 3) * LP[n][c], 0));
    expectReductions((reduction) => crossEntropyLoss(logits(), f64(P.flat(), [3, 3]), { labelSmoothing: eps, reduction }), reduced(per));
  });

  it('one-hot probabilities agree with the index form (also with smoothing)', () => {
    const oh = [1, 0, 0, 0, 0, 1, 0, 1, 0];
    const a = read(crossEntropyLoss(logits(), f64(oh, [3, 3]), { labelSmoothing: 0.1, reduction: 'none' }));
    const b = read(crossEntropyLoss(logits(), i32([0, 2, 1]), { labelSmoothing: 0.1, reduction: 'none' }));
    expectClose(a, b, 1e-12);
  });

  it('gradient matches finite differences', () => {
    const x = randT([3, 3], 11, 2).requiresGrad_();
    gradCheck(() => crossEntropyLoss(x, f64(P.flat(), [3, 3]), { weight: f64([1, 3, 0.5]), labelSmoothing: 0.1 }), [x]);
  });
});

describe('nllLoss', () => {
  it('is −weight[t]·input[n, t] with the weighted mean; gradient checks', () => {
    const lp = [-0.1, -2, -3, -1.5, -0.4, -1.2];
    const w = [2, 1, 0.5];
    const per = [-w[1] * lp[1], -w[0] * lp[3]];
    expectReductions((reduction) => nllLoss(f64(lp, [2, 3]), i32([1, 0]), { weight: f64(w), reduction }), reduced(per, 3));
    expectReductions((reduction) => nllLoss(f64(lp, [2, 3]), i32([1, 3]), { ignoreIndex: 3, reduction }), reduced([2, 0], 1));
    const x = leaf(lp, [2, 3]);
    gradCheck(() => nllLoss(x, i32([2, 0]), { weight: f64(w) }), [x]);
  });

  it('crossEntropyLoss(x) = nllLoss(logSoftmax(x)); modules agree with functions', () => {
    const a = read(crossEntropyLoss(logits(), i32([2, 1, 0])));
    const b = read(tidy(() => nllLoss(logSoftmax(logits(), 1), i32([2, 1, 0]))));
    expectClose(a, b, 1e-12);
    expectClose(read(new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits(), i32([2, 1, 0]))), read(crossEntropyLoss(logits(), i32([2, 1, 0]), { labelSmoothing: 0.1 })), 1e-12);
    expectClose(read(new NLLLoss().call(f64([-1, -2], [1, 2]), i32([1]))), [2], 1e-12);
    expect(new CrossEntropyLoss({ weight: f64([1, 2, 3]), ignoreIndex: 0 }).toString()).toBe('CrossEntropyLoss(weight=[3], ignoreIndex=0)');
  });
});

describe('classification loss errors', () => {
  it('name the loss, the expected and the actual shape or dtype', () => {
    expect(() => crossEntropyLoss(logits(), i32([0, 1]))).toThrow(ShapeError);
    expect(() => crossEntropyLoss(logits(), i32([0, 1]))).toThrow(/crossEntropyLoss: for input \[3, 3\] a class-index target must have shape \[3\] but got \[2\]/);
    expect(() => crossEntropyLoss(logits(), f64([0, 1, 2]))).toThrow(/class-probability target must have shape \[3, 3\].*cast them with \.cast\('int32'\)/);
    expect(() => crossEntropyLoss(logits(), tensor([0, 1, 2], { dtype: 'bool' }))).toThrow(DTypeError);
    expect(() => crossEntropyLoss(logits(), tensor([0, 1, 0, 1, 0, 1, 0, 1, 0], { shape: [3, 3] }))).toThrow(/crossEntropyLoss: a class-probability target is float32 but the input is float64/);
    expect(() => nllLoss(logits(), f64([0, 1, 2]))).toThrow(/nllLoss: target must be int32/);
    expect(() => crossEntropyLoss(i32([1, 2, 3], [1, 3]), i32([0]))).toThrow(/crossEntropyLoss: input must be float32 or float64/);
    expect(() => crossEntropyLoss(logits(), i32([0, 1, 2]), { weight: f64([1, 2]) })).toThrow(/crossEntropyLoss: weight must have shape \[3\]/);
  });

  it('reject class indices out of range (ignoreIndex allowed) and bad options', () => {
    expect(() => crossEntropyLoss(logits(), i32([0, 3, 1]))).toThrow(IndexError);
    expect(() => crossEntropyLoss(logits(), i32([0, 3, 1]))).toThrow(/class index 3 at position 1 but the input has 3 classes/);
    expect(() => nllLoss(logits(), i32([-1, 0, 0]))).toThrow(IndexError);
    expect(() => crossEntropyLoss(logits(), i32([0, 1, 2]), { labelSmoothing: 1.5 })).toThrow(LayerConfigError);
  });

  it('leak no tensors', () => {
    const x = logits();
    const t = i32([0, -100, 2]);
    const before = memory().numTensors;
    tidy(() => void crossEntropyLoss(x, t, { weight: f64([1, 2, 3]), labelSmoothing: 0.1 }));
    crossEntropyLoss(x, t, { reduction: 'none' }).dispose();
    expect(() => crossEntropyLoss(x, i32([0, 9, 1]))).toThrow();
    expect(memory().numTensors).toBe(before + 1); // the i32 made inside expect() above
  });
});

describe('a batch whose every target is ignored (mean reduction)', () => {
  // PyTorch 1.13 gives a NaN loss and a zero gradient here; a NaN gradient would write NaN into the weights.
  const cases: [string, (x: Tensor) => Tensor][] = [
    ['crossEntropyLoss (fused route)', (x) => crossEntropyLoss(x, i32([-100, -100, -100]))],
    ['crossEntropyLoss with label smoothing', (x) => crossEntropyLoss(x, i32([-100, -100, -100]), { labelSmoothing: 0.1 })],
    ['crossEntropyLoss with class weights', (x) => crossEntropyLoss(x, i32([1, 1, 1]), { weight: f64([1, 2, 3]), ignoreIndex: 1 })],
    ['crossEntropyLoss over [N, C, d]', (x) => crossEntropyLoss(x.reshape([1, 3, 3]), i32([-100, -100, -100], [1, 3]))],
    ['nllLoss', (x) => nllLoss(logSoftmax(x, 1), i32([2, 2, 2]), { ignoreIndex: 2 })],
    ['crossEntropyLoss with class weights summing to 0', (x) => crossEntropyLoss(x, i32([0, 0, 0]), { weight: f64([0, 1, 1]) })],
  ];
  for (const [name, f] of cases) {
    it(`${name}: the loss is NaN and the gradient is exactly 0`, () => {
      const x = leaf(LOGITS.flat(), [3, 3]);
      const loss = f(x);
      expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
      const [g] = gradients(loss, [x]);
      expect(read(g).map((v) => v + 0)).toEqual(new Array(9).fill(0)); // + 0: −0 counts as 0
    });
  }

  it("'sum' over it is 0 with a zero gradient", () => {
    const x = leaf(LOGITS.flat(), [3, 3]);
    const loss = crossEntropyLoss(x, i32([-100, -100, -100]), { reduction: 'sum' });
    expect(Array.from(loss.dataSync())).toEqual([0]);
    expect(read(gradients(loss, [x])[0]).map((v) => v + 0)).toEqual(new Array(9).fill(0));
  });
});
