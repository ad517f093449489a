import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, ShapeError, type Tensor, gradients, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  ContrastiveLoss,
  KLDivLoss,
  KLSparsityPenalty,
  LayerConfigError,
  TripletMarginLoss,
  contrastiveLoss,
  klDivLoss,
  klSparsityPenalty,
  pairwiseDistance,
  tripletMarginLoss,
} from '../src/index.js';
import type { Reduction } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';
import { f64, leaf, read, reduced } from './losses-reference.js';

beforeAll(() => use(cpu()));

const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean'];
function expectReductions(f: (r: Reduction) => Tensor, want: { none: number[]; sum: number; mean: number }, atol = 1e-12): void {
  for (const r of REDUCTIONS) expectClose(read(f(r)), r === 'none' ? want.none : [want[r]], atol);
}

describe('tripletMarginLoss', () => {
  const A = [0, 0, 1, 1];
  const P = [3, 4, 1, 2];
  const N = [1, 0, 4, 5];
  const t = (v: number[]): Tensor => f64(v, [2, 2]);

  it('L2 and L1 distances, every reduction (eps 0 for exact hand values)', () => {
    // L2: d(a,p) = [5, 1], d(a,n) = [1, 5]; margin 1 → [5, 0]
    expectReductions((reduction) => tripletMarginLoss(t(A), t(P), t(N), { eps: 0, reduction }), reduced([5, 0]));
    // L1: d(a,p) = [7, 1], d(a,n) = [1, 7]; margin 0.5 → [6.5, 0]
    expectReductions((reduction) => tripletMarginLoss(t(A), t(P), t(N), { p: 1, margin: 0.5, eps: 0, reduction }), reduced([6.5, 0]));
  });

  it('swap uses min(d(a, n), d(p, n)); the default eps is added to the difference like PyTorch', () => {
    // margin 4: row 1 without swap 4 + 1 − 5 = 0; with swap d(p,n) = √18 → 5 − √18
    expectClose(read(tripletMarginLoss(t(A), t(P), t(N), { margin: 4, eps: 0, reduction: 'none' })), [8, 0], 1e-12);
    expectClose(read(tripletMarginLoss(t(A), t(P), t(N), { margin: 4, eps: 0, swap: true, reduction: 'none' })), [8, 5 - Math.sqrt(18)], 1e-12);
    const e = 1e-6;
    const d = (x: number[], y: number[]): number => Math.hypot(x[0] - y[0] + e, x[1] - y[1] + e);
    const want = Math.max(0, 1 + d([0, 0], [3, 4]) - d([0, 0], [1, 0]));
    expectClose(read(tripletMarginLoss(f64([0, 0]), f64([3, 4]), f64([1, 0]))), [want], 1e-14, 0);
    expect(Math.abs(want - 5)).toBeGreaterThan(1e-7); // the eps is visible at this tolerance
    expectClose(read(pairwiseDistance(t(A), t(P), { eps: 0 })), [5, 1], 1e-12);
  });

  it('gradients w.r.t. anchor, positive and negative match finite differences (p = 1 and 2)', () => {
    const a = randT([3, 4], 31).requiresGrad_();
    const p = randT([3, 4], 32).requiresGrad_();
    const n = randT([3, 4], 33).requiresGrad_();
    gradCheck(() => tripletMarginLoss(a, p, n, { margin: 2, reduction: 'none' }), [a, p, n]);
    gradCheck(() => tripletMarginLoss(a, p, n, { margin: 3, p: 1 }), [a, p, n]);
    gradCheck(() => tripletMarginLoss(a, p, n, { margin: 2, swap: true }), [a, p, n]);
  });

  it('rejects mismatched embeddings and bad p', () => {
    expect(() => tripletMarginLoss(t(A), f64([1, 2]), t(N))).toThrow(/tripletMarginLoss: positive \[2\] must have the anchor's shape \[2, 2\]/);
    expect(() => tripletMarginLoss(f64([1], [1, 1, 1]), f64([1], [1, 1, 1]), f64([1], [1, 1, 1]))).toThrow(ShapeError);
    expect(() => tripletMarginLoss(t(A), t(P), t(N), { p: 0 })).toThrow(LayerConfigError);
  });
});

describe('contrastiveLoss', () => {
  // distances d = [5, 0.5, 1, 5]; labels 1 = similar
  const X1 = [0, 0, 1, 1, 0, 0, 2, 2];
  const X2 = [3, 4, 1, 1.5, 0.6, 0.8, 5, 6];
  const Y = [1, 0, 0, 0];

  it('y·d² + (1 − y)·max(0, margin − d)², every reduction', () => {
    expectReductions(
      (reduction) => contrastiveLoss(f64(X1, [4, 2]), f64(X2, [4, 2]), f64(Y), { margin: 2, eps: 0, reduction }),
      reduced([25, 2.25, 1, 0]),
    );
    // a similar pair at distance 0.5 costs 0.25; flipping labels swaps the terms
    expectClose(read(contrastiveLoss(f64([1, 1]), f64([1, 1.5]), f64([1], []), { eps: 0 })), [0.25], 1e-12);
  });

  it('gradient matches finite differences', () => {
    const a = randT([4, 3], 41).requiresGrad_();
    const b = randT([4, 3], 42).requiresGrad_();
    gradCheck(() => contrastiveLoss(a, b, f64([1, 0, 0, 1]), { margin: 3, reduction: 'none' }), [a, b]);
  });

  it('rejects labels of the wrong shape or outside [0, 1]', () => {
    expect(() => contrastiveLoss(f64(X1, [4, 2]), f64(X2, [4, 2]), f64([1, 0]))).toThrow(/contrastiveLoss: labels must have shape \[4\]/);
    expect(() => contrastiveLoss(f64(X1, [4, 2]), f64(X2, [4, 2]), f64([1, 0, -1, 1]))).toThrow(DataError);
  });
});

describe('klDivLoss', () => {
  const Q = [0.2, 0.5, 0.3, 0.6, 0.1, 0.3];
  const Pt = [0.1, 0, 0.9, 0.3, 0.3, 0.4];
  const per = Pt.map((p, i) => (p === 0 ? 0 : p * (Math.log(p) - Math.log(Q[i]))));
  const logQ = (): Tensor => f64(Q.map(Math.log), [2, 3]);

  it('p·(log p − log q) with 0·log 0 = 0; mean, sum, none and batchmean', () => {
    expectReductions((reduction) => klDivLoss(logQ(), f64(Pt, [2, 3]), { reduction }), reduced(per));
    expectClose(read(klDivLoss(logQ(), f64(Pt, [2, 3]), { reduction: 'batchmean' })), [reduced(per).sum / 2], 1e-12);
  });

  it('logTarget takes log-probabilities', () => {
    const pt = [0.1, 0.2, 0.7, 0.3, 0.3, 0.4];
    const want = pt.reduce((a, p, i) => a + p * (Math.log(p) - Math.log(Q[i])), 0) / 2;
    expectClose(read(klDivLoss(logQ(), f64(pt.map(Math.log), [2, 3]), { logTarget: true, reduction: 'batchmean' })), [want], 1e-12);
  });

  it('gradient w.r.t. the log-input matches finite differences; KL(p‖p) = 0', () => {
    const x = leaf(Q.map(Math.log), [2, 3]);
    gradCheck(() => klDivLoss(x, f64(Pt, [2, 3]), { reduction: 'batchmean' }), [x]);
    gradCheck(() => klDivLoss(x, f64(Pt.map((p) => Math.log(p + 0.1)), [2, 3]), { logTarget: true, reduction: 'none' }), [x]);
    expectClose(read(klDivLoss(logQ(), f64(Q, [2, 3]), { reduction: 'sum' })), [0], 1e-15);
  });

  it('extreme log-inputs (−1e4) stay finite with finite gradients', () => {
    const x = tensor([[-1e4, 0, -1e4]]).requiresGrad_();
    const loss = klDivLoss(x, tensor([[0, 1, 0]]), { reduction: 'batchmean' });
    const [g] = gradients(loss, [x]);
    expect(loss.itemSync()).toBe(0);
    expectClose(g.dataSync(), [0, -1, 0], 0);
    [x, loss, g].forEach((t) => t.dispose());
  });

  it('rejects unknown reductions', () => {
    expect(() => klDivLoss(logQ(), f64(Pt, [2, 3]), { reduction: 'batch' as Reduction })).toThrow(/klDivLoss: reduction must be 'mean', 'batchmean', 'sum', 'none'/);
  });
});

describe('klSparsityPenalty', () => {
  it('Σ ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂)) over mean activations', () => {
    const h = f64([0.1, 0.9, 0.3, 0.5], [2, 2]); // ρ̂ = [0.2, 0.7]
    const rho = 0.2;
    const kl = (r: number): number => rho * Math.log(rho / r) + (1 - rho) * Math.log((1 - rho) / (1 - r));
    expectClose(read(klSparsityPenalty(h, { rho })), [kl(0.2) + kl(0.7)], 1e-12);
    expect(kl(0.2)).toBe(0);
    expectClose(read(new KLSparsityPenalty({ rho: 0.05 }).call(f64([0.05, 0.05], [2, 1]))), [0], 1e-15);
  });

  it('dead (ρ̂ = 0) and saturated (ρ̂ = 1) units give finite penalties and gradients', () => {
    const h = tensor([0, 1, 0, 1], { shape: [2, 2] }).requiresGrad_();
    const pen = klSparsityPenalty(h, { rho: 0.1 });
    const [g] = gradients(pen, [h]);
    const rho = 0.1;
    const want = rho * (Math.log(rho) + 100) + (1 - rho) * Math.log(1 - rho) + rho * Math.log(rho) + (1 - rho) * (Math.log(1 - rho) + 100);
    expectClose([pen.itemSync()], [want], 1e-3, 1e-6);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    [h, pen, g].forEach((t) => t.dispose());
  });

  it('gradient matches finite differences; bad ρ is rejected', () => {
    const h = leaf([0.1, 0.9, 0.3, 0.5, 0.2, 0.4], [3, 2]);
    gradCheck(() => klSparsityPenalty(h, { rho: 0.3 }), [h]);
    expect(() => klSparsityPenalty(h, { rho: 1 })).toThrow(LayerConfigError);
  });
});

describe('metric and divergence modules', () => {
  it('match the functions and leak nothing', () => {
    const a = randT([2, 3], 51);
    const p = randT([2, 3], 52);
    const n = randT([2, 3], 53);
    const before = memory().numTensors;
    expectClose(read(new TripletMarginLoss({ margin: 2 }).call(a, p, n)), read(tripletMarginLoss(a, p, n, { margin: 2 })), 1e-12);
    expectClose(read(new ContrastiveLoss().call(a, p, tensor([1, 0], { dtype: 'float64' }))), read(contrastiveLoss(a, p, tensor([1, 0], { dtype: 'float64' }))), 1e-12);
    expect(memory().numTensors).toBe(before + 2); // the two label tensors
    const lq = tidy(() => a.logSoftmax(1));
    const pt = tidy(() => p.softmax(1));
    expectClose(read(new KLDivLoss({ reduction: 'batchmean' }).call(lq, pt)), read(klDivLoss(lq, pt, { reduction: 'batchmean' })), 1e-12);
    expect(new TripletMarginLoss({ margin: 2, p: 1 }).toString()).toBe('TripletMarginLoss(margin=2, p=1)');
  });
});
