import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, batchNorm, batchNormDef, batchNormStats, grad, registeredOps, tensor, type Tensor } from '@tessera/core';
import { expectFiniteDifferences } from './grad-check.js';
import { useCpu } from './setup.js';

useCpu();

/** Deterministic values with a per-channel offset. */
const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 2 + (i % 3) * 0.5);

/** The formula in plain numbers: per channel c of x [N, C, L], (x − mean)/√(var + eps)·w + b. */
function reference(x: number[], [n, c, l]: number[], w: number[], b: number[], eps: number): number[] {
  const y = new Array<number>(x.length);
  for (let ch = 0; ch < c; ch++) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) idx.push((i * c + ch) * l + j);
    const mean = idx.reduce((s, k) => s + x[k]!, 0) / idx.length;
    const v = idx.reduce((s, k) => s + (x[k]! - mean) ** 2, 0) / idx.length;
    for (const k of idx) y[k] = ((x[k]! - mean) / Math.sqrt(v + eps)) * w[ch]! + b[ch]!;
  }
  return y;
}

describe('batchNorm (training-mode batch statistics)', () => {
  it('registers the op and its three gradient composites', () => {
    for (const op of ['batchNorm', 'batchNormStats', 'batchNormParamGrad', 'batchNormInputGrad']) expect(registeredOps()).toContain(op);
  });

  it('matches the formula; the decomposition matches the fused kernel (float64)', () => {
    const shape = [3, 2, 4];
    const xs = vals(24, 1);
    const [w, b] = [[1.5, -0.5], [0.25, 2]];
    const x = tensor(xs, { dtype: 'float64', shape });
    const wt = tensor(w, { dtype: 'float64' });
    const bt = tensor(b, { dtype: 'float64' });
    const want = reference(xs, shape, w, b, 1e-3);
    const got = Array.from(batchNorm(x, wt, bt, { eps: 1e-3 }).dataSync());
    const dec = Array.from(batchNormDef.decompose!([x, wt, bt], { eps: 1e-3 }).dataSync());
    for (let i = 0; i < want.length; i++) {
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12);
      expect(Math.abs(dec[i]! - want[i]!)).toBeLessThan(1e-12);
    }
  });

  it('gradients in x, weight and bias match finite differences (float64), first and second order', () => {
    const x = tensor(vals(24, 2), { dtype: 'float64', shape: [2, 3, 2, 2] }).requiresGrad_();
    const w = tensor([1.2, -0.7, 0.4], { dtype: 'float64' }).requiresGrad_();
    const b = tensor([0.1, 0.2, -0.3], { dtype: 'float64' }).requiresGrad_();
    const mix = tensor(vals(24, 3), { dtype: 'float64', shape: [2, 3, 2, 2] });
    expectFiniteDifferences(() => batchNorm(x, w, b).mul(mix).sum(), [x, w, b]);
    // Second order: the norm of the x-gradient, differentiated again.
    expectFiniteDifferences(() => grad((z: Tensor) => batchNorm(z, w, b).mul(mix).square().sum())(x)[0]!.square().sum(), [x, w], { rtol: 1e-4, atol: 1e-6 });
  });

  it('with the statistics given (batchNormStats of the same x): the same output and gradients, and finite differences agree', () => {
    const x = tensor(vals(24, 4), { dtype: 'float64', shape: [2, 3, 4] }).requiresGrad_();
    const w = tensor([0.9, -1.1, 0.3], { dtype: 'float64' }).requiresGrad_();
    const b = tensor([0.5, 0, -0.2], { dtype: 'float64' }).requiresGrad_();
    const mix = tensor(vals(24, 5), { dtype: 'float64', shape: [2, 3, 4] });
    const stats = batchNormStats(x);
    const plain = batchNorm(x, w, b, { eps: 1e-3 });
    const given = batchNorm(x, w, b, { eps: 1e-3, stats });
    const dec = batchNormDef.decompose!([x, w, b, stats], { eps: 1e-3 });
    const [p, g, d] = [plain, given, dec].map((t) => Array.from(t.dataSync()));
    for (let i = 0; i < p.length; i++) {
      expect(Math.abs(g[i]! - p[i]!)).toBeLessThan(1e-12);
      expect(Math.abs(d[i]! - p[i]!)).toBeLessThan(1e-12);
    }
    const loss = (opts: { stats?: Tensor }) => grad((z: Tensor, ww: Tensor, bb: Tensor) => batchNorm(z, ww, bb, opts).mul(mix).sum())(x, w, b);
    const [a, c] = [loss({}), loss({ stats })];
    for (let k = 0; k < 3; k++) {
      const [u, v] = [Array.from(a[k]!.dataSync()), Array.from(c[k]!.dataSync())];
      for (let i = 0; i < u.length; i++) expect(Math.abs(u[i]! - v[i]!)).toBeLessThan(1e-12);
    }
    // The statistics recomputed from each perturbed x, as a caller passes them.
    expectFiniteDifferences(() => batchNorm(x, w, b, { stats: batchNormStats(x) }).mul(mix).sum(), [x, w, b]);
    expect(() => batchNorm(x, w, b, { stats: tensor([1, 2, 3], { dtype: 'float64' }) })).toThrow(/batchNorm: stats must be \[2, 3\] for x \[2, 3, 4\] but is \[3\]/);
  });

  it('statistics: mean and biased variance per channel; clear errors', () => {
    const s = batchNormStats(tensor([1, 2, 3, 5, 7, 9, 2, 2, 2, 4, 0, 8], { dtype: 'float64', shape: [2, 3, 2] })).dataSync();
    expect(Array.from(s)).toEqual([1.75, 3.5, 6, 0.1875, 1.25, 12.5]);
    expect(() => batchNorm(tensor([1, 2]), tensor([1]), tensor([0]))).toThrow(ShapeError);
    expect(() => batchNorm(tensor([1, 2], { shape: [2, 1] }), tensor([1, 1]), tensor([0]))).toThrow(/batchNorm: weight must be \[1\]/);
    expect(() => batchNorm(tensor([1, 2], { shape: [2, 1] }), tensor([1], { dtype: 'float64' }), tensor([0]))).toThrow(DTypeError);
    expect(() => batchNorm(tensor([1, 2], { dtype: 'int32', shape: [2, 1] }), tensor([1]), tensor([0]))).toThrow(DTypeError);
  });
});
