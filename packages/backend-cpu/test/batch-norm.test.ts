import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchNorm,
  batchNormDef,
  batchNormInputGradDef,
  batchNormParamGradDef,
  batchNormStats,
  batchNormStatsDef,
  gradients,
  grad as gradOf,
  init,
  kernelsFor,
  runOp,
  tensor,
  use,
  type Tensor,
} from '@tessera/core';
import { cpu } from '../src/index.js';
import { cpuKernels } from '../src/kernels/index.js';
import { seq } from './helpers.js';

beforeAll(async () => {
  use(cpu());
  await init({ backends: ['cpu'] });
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

const GEOMETRY: [label: string, shape: number[]][] = [
  ['NCHW [3, 4, 5, 5]', [3, 4, 5, 5]],
  ['[N, C] [7, 3]', [7, 3]],
  ['NCL [2, 5, 9]', [2, 5, 9]],
];

describe('cpu fused batch norm kernels', () => {
  it('are registered for the four composites', () => {
    for (const op of ['batchNorm', 'batchNormStats', 'batchNormParamGrad', 'batchNormInputGrad']) {
      expect(op in cpuKernels).toBe(true);
      expect(kernelsFor(op)).toContain('cpu');
    }
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 2e-5 : 1e-12;
    for (const [label, shape] of GEOMETRY) {
      const size = shape.reduce((a, b) => a * b, 1);
      const c = shape[1]!;
      it(`${dtype} ${label}: forward (statistics computed or given), stats and both gradient passes match the decompositions`, () => {
        // An offset mean per channel and a spread that is not 1, so centring and scaling both matter.
        const x = tensor(seq(size, 3).map((v, i) => 4 * v + (i % 3) - 1), { dtype, shape });
        const w = tensor(seq(c, 7).map((v) => v + 1.5), { dtype });
        const b = tensor(seq(c, 9), { dtype });
        const dy = tensor(seq(size, 11), { dtype, shape });
        const attrs = { eps: 1e-3 };
        close(runOp(batchNormDef, [x, w, b], attrs).dataSync(), batchNormDef.decompose!([x, w, b], attrs).dataSync(), tol);
        const stats = runOp(batchNormStatsDef, [x], {});
        close(stats.dataSync(), batchNormStatsDef.decompose!([x], {}).dataSync(), tol);
        // With the statistics given (one pass over x fewer).
        close(runOp(batchNormDef, [x, w, b, stats], attrs).dataSync(), batchNormDef.decompose!([x, w, b], attrs).dataSync(), tol);
        const sums = runOp(batchNormParamGradDef, [dy, x, stats], attrs);
        close(sums.dataSync(), batchNormParamGradDef.decompose!([dy, x, stats], attrs).dataSync(), 10 * tol);
        close(runOp(batchNormInputGradDef, [dy, x, w, stats, sums], attrs).dataSync(), batchNormInputGradDef.decompose!([dy, x, w, stats, sums], attrs).dataSync(), 10 * tol);
      });
    }
  }

  it('autograd through the fused op gives the unfused composite gradients, first and second order (float64)', () => {
    const shape = [3, 4, 2, 2];
    const xs = seq(48, 5).map((v, i) => 3 * v + (i % 4));
    const weights = seq(48, 13);
    const grads = (fused: boolean): Tensor[] => {
      const x = tensor(xs, { dtype: 'float64', shape }).requiresGrad_();
      const w = tensor(seq(4, 9).map((v) => v + 1), { dtype: 'float64' }).requiresGrad_();
      const b = tensor(seq(4, 2), { dtype: 'float64' }).requiresGrad_();
      const y = fused ? batchNorm(x, w, b, { eps: 1e-2 }) : batchNormDef.decompose!([x, w, b], { eps: 1e-2 });
      return gradients(y.mul(tensor(weights, { dtype: 'float64', shape })).sum(), [x, w, b]);
    };
    const fused = grads(true);
    const unfused = grads(false);
    for (let i = 0; i < 3; i++) close(fused[i]!.dataSync(), unfused[i]!.dataSync(), 1e-12);
    // Second order: the gradient built as a graph (isGradEnabled) differentiates again.
    const secondOrder = (fused: boolean) =>
      gradOf((x: Tensor) => {
        const w = tensor([1.5, -0.5, 2, 1], { dtype: 'float64' });
        const b = tensor([0, 1, 0, -1], { dtype: 'float64' });
        const f = (z: Tensor) => (fused ? batchNorm(z, w, b) : batchNormDef.decompose!([z, w, b], { eps: 1e-5 })).square().sum();
        return gradOf(f)(x)[0]!.square().sum();
      })(tensor(xs, { dtype: 'float64', shape }))[0]!;
    close(secondOrder(true).dataSync(), secondOrder(false).dataSync(), 1e-9);
  });

  it('stats are the per-channel mean and biased variance; bad shapes name the op and the fix', () => {
    const x = tensor([1, 2, 3, 5, 7, 9, 2, 2, 2, 4, 0, 8], { shape: [2, 3, 2] });
    // channel 0: 1, 2, 2, 2 → mean 1.75, var 0.1875; channel 1: 3, 5, 2, 4 → 3.5, 1.25; channel 2: 7, 9, 0, 8 → 6, 12.5.
    close(batchNormStats(x).dataSync(), [1.75, 3.5, 6, 0.1875, 1.25, 12.5], 1e-7);
    expect(() => batchNorm(tensor([1, 2, 3]), tensor([1]), tensor([0]))).toThrow(/batchNorm: x must be \[N, C, …\]/);
    expect(() => batchNorm(x, tensor([1, 1]), tensor([0, 0, 0]))).toThrow(/batchNorm: weight must be \[3\] for x \[2, 3, 2\] but is \[2\]/);
    expect(() => batchNorm(x, tensor([1, 1, 1], { dtype: 'float64' }), tensor([0, 0, 0]))).toThrow(/weight is float64 but x is float32/);
  });
});
