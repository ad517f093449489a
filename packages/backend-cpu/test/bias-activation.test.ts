import { beforeAll, describe, expect, it } from 'vitest';
import {
  FUSED_ACTIVATIONS,
  biasActivation,
  biasActivationDef,
  biasActivationGradDef,
  biasAddGradDef,
  elementwise,
  gradients,
  init,
  kernelsFor,
  noGrad,
  runOp,
  tensor,
  use,
  type OpDef,
  type Tensor,
} from '@tessera/core';
import { cpu } from '../src/index.js';
import { cpuKernels } from '../src/kernels/index.js';
import { seq } from './helpers.js';

/** An op through core's own expression of it (OpDef.elementwise, inputs seen with its view shapes): what this backend's fused kernel replaces. */
function asExpression<A>(def: OpDef<A>, inputs: Tensor[], attrs: A): Tensor {
  const e = def.elementwise!(attrs, inputs);
  return elementwise(e.expr, inputs.map((t, i) => (e.shapes?.[i] ? t.reshape([...e.shapes[i]!]) : t)), e.scalars);
}

beforeAll(async () => {
  use(cpu());
  use(cpu({ wasm: false, name: 'cpu-ts', priority: 0 }));
  await init({ backends: ['cpu', 'cpu-ts'] });
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

const GEOMETRY: [label: string, shape: number[], axis: number][] = [
  ['[5, 7] axis 1 (last)', [5, 7], 1],
  ['NCHW [3, 4, 5, 5] axis 1', [3, 4, 5, 5], 1],
  ['[4, 3, 2] axis 0', [4, 3, 2], 0],
];

describe('cpu fused biasActivation kernels', () => {
  it('are registered for the three composites', () => {
    for (const op of ['biasActivation', 'biasActivationGrad', 'biasAddGrad']) {
      expect(op in cpuKernels).toBe(true);
      expect(kernelsFor(op)).toContain('cpu');
    }
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 1e-6 : 1e-14;
    for (const [label, shape, axis] of GEOMETRY) {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = () => tensor(seq(size, 3).map((v) => 3 * v), { dtype, shape });
      const b = () => tensor(seq(shape[axis], 7), { dtype });
      for (const activation of FUSED_ACTIVATIONS) {
        const attrs = { axis, activation };
        it(`${dtype} ${activation} ${label}: forward and dx match core's expressions, dbias the decomposition`, () => {
          const [xt, bt] = [x(), b()];
          close(runOp(biasActivationDef, [xt, bt], attrs).dataSync(), asExpression(biasActivationDef, [xt, bt], attrs).dataSync(), tol);
          const y = runOp(biasActivationDef, [xt, bt], attrs);
          const dy = tensor(seq(size, 11), { dtype, shape });
          const dz = runOp(biasActivationGradDef, [dy, y], attrs);
          close(dz.dataSync(), asExpression(biasActivationGradDef, [dy, y], attrs).dataSync(), tol);
          close(runOp(biasAddGradDef, [dz], { axis }).dataSync(), biasAddGradDef.decompose!([dz], { axis }).dataSync(), 10 * tol);
        });
      }
    }
  }

  it('the float32 forward on the wasm engine equals the TypeScript kernel (every activation, both layouts)', () => {
    for (const [, shape, axis] of GEOMETRY) {
      const size = shape.reduce((a, b) => a * b, 1);
      for (const activation of FUSED_ACTIVATIONS) {
        const on = (backend: string) =>
          biasActivation(tensor(seq(size, 3).map((v) => 3 * v), { shape, backend }), tensor(seq(shape[axis], 7), { backend }), { axis, activation }).dataSync();
        close(on('cpu'), on('cpu-ts'), activation === 'relu' || activation === 'linear' ? 0 : 1e-7);
      }
    }
  });

  it('autograd through the fused op gives the unfused gradients (float64)', () => {
    const shape = [3, 4, 2, 2];
    const xs = seq(48, 5);
    const bs = seq(4, 9);
    const grads = (fused: boolean): Tensor[] => {
      const x = tensor(xs, { dtype: 'float64', shape }).requiresGrad_();
      const b = tensor(bs, { dtype: 'float64' }).requiresGrad_();
      const y = fused ? biasActivation(x, b, { axis: 1, activation: 'sigmoid' }) : x.add(b.reshape([1, 4, 1, 1])).sigmoid();
      return gradients(y.mul(tensor(seq(48, 13), { dtype: 'float64', shape })).sum(), [x, b]);
    };
    const [fx, fb] = grads(true);
    const [ux, ub] = grads(false);
    close(fx.dataSync(), ux.dataSync(), 1e-14);
    close(fb.dataSync(), ub.dataSync(), 1e-14);
  });

  it('relu keeps NaN and gives 0 slope at y = 0; empty tensors work', () => {
    const y = noGrad(() => biasActivation(tensor([Number.NaN, -1, 2], { shape: [1, 3] }), tensor([0, 1, 0]), { activation: 'relu' }));
    const v = y.dataSync();
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Array.from(v.slice(1))).toEqual([0, 2]);
    const dz = runOp(biasActivationGradDef, [tensor([5, 5, 5], { shape: [1, 3] }), y], { axis: 1, activation: 'relu' });
    expect(Array.from(dz.dataSync())).toEqual([0, 0, 5]);
    expect(Array.from(runOp(biasAddGradDef, [tensor([], { shape: [0, 3] })], { axis: 1 }).dataSync())).toEqual([0, 0, 0]);
  });
});
