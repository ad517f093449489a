import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  FUSED_ACTIVATIONS,
  ShapeError,
  TesseraError,
  biasActivation,
  biasActivationDef,
  biasActivationGrad,
  biasAddGrad,
  gradients,
  noGrad,
  registeredOps,
  tensor,
  type FusedActivation,
  type Tensor,
} from '@tessera/core';
import * as core from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
};

const ACT: Record<FusedActivation, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(z, 0),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
};
/** act′ written from z (independently of the op's rules written from y). */
const SLOPE: Record<FusedActivation, (z: number) => number> = {
  linear: () => 1,
  relu: (z) => (z > 0 ? 1 : 0),
  sigmoid: (z) => ACT.sigmoid(z) * (1 - ACT.sigmoid(z)),
  tanh: (z) => 1 / Math.cosh(z) ** 2,
};

// x [2, 3] with bias [3] along axis −1; the same values viewed as [1, 3, 2] with bias along axis 1.
const X = [0.5, -1, 2, -0.25, 0, 1.5];
const B = [0.1, -0.2, 0.3];
const DY = [1, -2, 0.5, 3, -1, 0.25];

describe('biasActivation', () => {
  for (const activation of FUSED_ACTIVATIONS) {
    it(`${activation}: act(x + b) along the last axis and along axis 1 of [1, 3, 2]`, () => {
      const x = tensor(X, { dtype: 'float64', shape: [2, 3] });
      const b = tensor(B, { dtype: 'float64' });
      close(biasActivation(x, b, { activation }).dataSync(), X.map((v, i) => ACT[activation](v + B[i % 3])));
      const xc = tensor(X, { dtype: 'float64', shape: [1, 3, 2] });
      close(biasActivation(xc, b, { axis: 1, activation }).dataSync(), X.map((v, i) => ACT[activation](v + B[Math.floor(i / 2)])));
    });

    it(`${activation}: dx = dy·act′(z) and dbias = Σ dx over the other axes`, () => {
      const x = tensor(X, { dtype: 'float64', shape: [1, 3, 2] }).requiresGrad_();
      const b = tensor(B, { dtype: 'float64' }).requiresGrad_();
      const z = X.map((v, i) => v + B[Math.floor(i / 2)]);
      const dx = DY.map((d, i) => d * SLOPE[activation](z[i]));
      const y = biasActivation(x, b, { axis: 1, activation });
      const [gx, gb] = gradients(y.mul(tensor(DY, { dtype: 'float64', shape: [1, 3, 2] })).sum(), [x, b]);
      close(gx.dataSync(), dx);
      close(gb.dataSync(), [dx[0] + dx[1], dx[2] + dx[3], dx[4] + dx[5]]);
    });
  }

  it('the op gradient runs the two grad composites (no graph) and skips dbias when not needed', () => {
    const x = tensor(X, { dtype: 'float64', shape: [2, 3] });
    const b = tensor(B, { dtype: 'float64' });
    const y = biasActivation(x, b, { activation: 'tanh' });
    const dy = tensor(DY, { dtype: 'float64', shape: [2, 3] });
    const ctx = (needsGrad: boolean[]) => ({ inputs: [x, b], output: y, attrs: { axis: 1, activation: 'tanh' as const }, needsGrad });
    const [dx, db] = noGrad(() => biasActivationDef.grad!(dy, ctx([true, true]))) as Tensor[];
    const yv = y.dataSync();
    const expected = DY.map((d, i) => d * (1 - yv[i] ** 2));
    close(dx.dataSync(), expected);
    close(db.dataSync(), [0, 1, 2].map((c) => expected[c] + expected[c + 3]));
    expect(noGrad(() => biasActivationDef.grad!(dy, ctx([true, false])))[1]).toBeNull();
  });

  it('second order works through the output (d²/dx² of tanh(x + b) summed)', () => {
    const x = tensor([0.3, -0.7], { dtype: 'float64' }).requiresGrad_();
    const b = tensor([0.2, 0.1], { dtype: 'float64' });
    const [g] = gradients(biasActivation(x, b, { activation: 'tanh' }).sum(), [x], undefined, { createGraph: true, retainGraph: true });
    const [h] = gradients(g.sum(), [x]);
    const d2 = (z: number) => -2 * Math.tanh(z) * (1 - Math.tanh(z) ** 2);
    close(h.dataSync(), [d2(0.5), d2(-0.6)]);
  });

  it('biasActivationGrad and biasAddGrad are public composites', () => {
    const y = tensor([0.5, 0, 2, 0], { dtype: 'float64', shape: [2, 2] });
    const dy = tensor([1, 2, 3, 4], { dtype: 'float64', shape: [2, 2] });
    close(biasActivationGrad(dy, y, { activation: 'relu' }).dataSync(), [1, 0, 3, 0]);
    close(biasActivationGrad(dy, y, { activation: 'sigmoid' }).dataSync(), [0.25, 0, -6, 0]);
    close(biasAddGrad(dy).dataSync(), [4, 6]);
    close(biasAddGrad(dy, 0).dataSync(), [3, 7]);
    for (const name of ['biasActivation', 'biasActivationGrad', 'biasAddGrad']) expect(registeredOps()).toContain(name);
  });

  it('names the op, the shapes and the fix for a wrong bias, dtype, axis or activation', () => {
    const x = tensor(X, { shape: [1, 3, 2] });
    expect(() => biasActivation(x, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => biasActivation(x, tensor([1, 2, 3]))).toThrow(/biasActivation: bias must be 1-D of length x.shape\[2\] = 2 \(x \[1, 3, 2\], axis 2\) but is \[3\]; pass the axis/);
    expect(() => biasActivation(x, tensor([[1, 2, 3]]), { axis: 1 })).toThrow(ShapeError);
    expect(() => biasActivation(x, tensor([1, 2, 3], { dtype: 'float64' }), { axis: 1 })).toThrow(DTypeError);
    expect(() => biasActivation(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => biasActivation(x, tensor([1, 2, 3]), { axis: 3 })).toThrow(/biasActivation: axis 3 is out of range/);
    expect(() => biasActivation(x, tensor([1, 2, 3]), { axis: 1, activation: 'swish' as FusedActivation })).toThrow(TesseraError);
    expect(() => biasActivation(x, tensor([1, 2, 3]), { axis: 1, activation: 'swish' as FusedActivation })).toThrow(/unknown activation 'swish'; use one of 'linear', 'relu'/);
    expect(() => biasActivationGrad(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/biasActivationGrad: dy must be float32 \[3\]/);
  });
});

describe('biasActivation as an expression (a backend with no kernel of its name)', () => {
  it('gives the fused kernels’ values and gradients, bias along axis 1 (NCHW) and −1', () => {
    const base = core.getBackend('cpu');
    const kernels = Object.fromEntries(Object.entries(base.kernels).filter(([k]) => !k.startsWith('biasA')));
    const impl: core.BackendImpl = { ...base, name: 'cpu-noba', kernels };
    core.use({ kind: 'backend', name: 'cpu-noba', priority: -1, coreApi: core.CORE_API_VERSION, create: async () => impl, createSync: () => impl });
    for (const [shape, axis] of [[[2, 3, 4, 5], 1], [[6, 7], -1]] as const) {
      for (const activation of FUSED_ACTIVATIONS) {
        core.tidy(() => {
          const x = core.randn([...shape]);
          const b = core.randn([shape[axis < 0 ? shape.length + axis : axis]]);
          const run = (x0: Tensor, b0: Tensor) => {
            const [xx, bb] = [x0.clone().requiresGrad_(), b0.clone().requiresGrad_()];
            const y = biasActivation(xx, bb, { axis, activation });
            const w = core.randn([...shape], { backend: xx.backend });
            return [y, ...gradients(y.mul(w).sum(), [xx, bb])];
          };
          core.manualSeed(3);
          const want = run(x, b).map((t) => Array.from(t.dataSync()));
          core.manualSeed(3);
          const got = run(x.to('cpu-noba'), b.to('cpu-noba')).map((t) => Array.from(t.dataSync()));
          got.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - want[k][i]), `${activation} axis ${axis} output ${k}`).toBeLessThan(1e-5 * (1 + Math.abs(want[k][i])))));
        });
      }
    }
  });
});
