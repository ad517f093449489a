import { describe, expect, it } from 'vitest';
import { gradOf, gradients, grad, noGrad, tensor, valueAndGrad, tidy, memory, type Tensor } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-10) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i])));
};

describe('autograd', () => {
  it('backward accumulates .grad on leaves like PyTorch', () => {
    const x = f64([1, 2, 3]).requiresGrad_();
    x.mul(x).sum().backward();
    close(x.grad!.dataSync(), [2, 4, 6]);
    x.mul(3).sum().backward();
    close(x.grad!.dataSync(), [5, 7, 9]);
  });

  it('broadcast gradients are reduced to the input shape', () => {
    const a = f64([[1, 2, 3], [4, 5, 6]]).requiresGrad_();
    const b = f64([10, 20, 30]).requiresGrad_();
    a.mul(b).sum().backward();
    close(b.grad!.dataSync(), [5, 7, 9]);
    close(a.grad!.dataSync(), [10, 20, 30, 10, 20, 30]);
  });

  it('second order: d²/dx² tanh(x) = −2 tanh(x)(1 − tanh²(x))', () => {
    const xs = [-1.5, -0.3, 0, 0.7, 2];
    const d2 = gradOf((x) => gradOf((z) => z.tanh().sum())(x).sum());
    const got = d2(f64(xs)).dataSync();
    close(got, xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)));
  });

  it('Hessian-vector product through matmul: f(x) = ½ xᵀAx has Hv = ½(A + Aᵀ)v', () => {
    const A = f64([[2, 1, 0], [0, 3, 1], [1, 0, 4]]);
    const v = f64([1, -1, 2]);
    const x0 = f64([0.5, -0.2, 0.1]);
    const f = (x: Tensor) => x.matmul(A.matmul(x)).mul(0.5);
    // Hv = ∇ₓ (∇f(x) · v)
    const hv = gradOf((x) => gradOf(f)(x).mul(v).sum())(x0).dataSync();
    const sym = [[2, 0.5, 0.5], [0.5, 3, 0.5], [0.5, 0.5, 4]];
    close(hv, sym.map((row) => row[0] * 1 + row[1] * -1 + row[2] * 2));
  });

  it('valueAndGrad returns the value and one gradient per argument', () => {
    const [y, [da, db]] = valueAndGrad((a: Tensor, b: Tensor) => a.mul(b).sum())(f64([1, 2]), f64([3, 4]));
    close(y.dataSync(), [11]);
    close(da.dataSync(), [3, 4]);
    close(db.dataSync(), [1, 2]);
    expect(grad((a: Tensor) => a.exp().sum())(f64([0]))[0].dataSync()[0]).toBeCloseTo(1);
  });

  it('gradients() of a non-leaf, and zeros for unused inputs', () => {
    const x = f64([1, 2]).requiresGrad_();
    const h = x.mul(2);
    const u = f64([5]).requiresGrad_();
    const [gh, gu] = gradients(h.square().sum(), [h, u]);
    close(gh.dataSync(), [4, 8]);
    close(gu.dataSync(), [0]);
  });

  it('noGrad records nothing; detach cuts the graph', () => {
    const x = f64([1]).requiresGrad_();
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.mul(2).detach().requiresGrad).toBe(false);
    expect(x.mul(2).gradFn).toBe('mul');
  });

  it('the graph survives tidy disposing intermediates, and is freed after backward', () => {
    const x = f64([1, 2, 3]).requiresGrad_();
    const before = memory().numBuffers;
    const loss = tidy(() => x.exp().mul(2).sin().sum());
    loss.backward();
    const ex = [1, 2, 3].map((v) => 2 * Math.exp(v) * Math.cos(2 * Math.exp(v)));
    close(x.grad!.dataSync(), ex);
    loss.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(memory().numBuffers).toBe(before);
  });

  it('an op whose grad returns the wrong shape is reported with the op name', async () => {
    const { defineOp, runOp } = await import('@tessera/core');
    const bad = defineOp<Record<string, never>>({
      name: 'badGrad',
      infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
      grad: (dy) => [dy.sum()],
      decompose: ([x]) => x.mul(1),
    });
    // No kernel → decomposes, so use the grad check path through a kernel-backed op instead:
    const { use } = await import('@tessera/core');
    use({ kind: 'kernels', name: 'bad', coreApi: 1, backend: 'cpu', kernels: { badGrad: ((ctx: { backend: { kernels: Record<string, unknown> }; inputs: unknown[]; out: unknown }) => (ctx.backend.kernels.elementwise as (c: unknown) => object)({ ...ctx, attrs: { expr: { op: 'neg', x: { op: 'input', index: 0 } }, scalars: [] } })) as never } });
    const x = f64([1, 2]).requiresGrad_();
    const y = runOp(bad, [x], {});
    expect(() => y.sum().backward()).toThrow(/backward of 'badGrad': gradient for input 0 has shape \[\] but the input has shape \[2\]/);
  });
});
