import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@tessera/core';
import type { DType } from '@tessera/core';
import { cpu } from '../src/index.js';
import { cpuKernels } from '../src/kernels/index.js';
import { seq } from './helpers.js';

beforeAll(async () => {
  T.use(cpu());
  await T.init({ backends: ['cpu'] });
});

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The fused kernel's output (through the backend: wasm for float32) and the composite's. */
function both(op: 'softmax' | 'logSoftmax', x: T.Tensor, axis: number): [Float64Array, Float64Array] {
  const def = op === 'softmax' ? T.nnDefs.softmax : T.nnDefs.logSoftmax;
  return T.tidy(() => [
    Float64Array.from(T.runOp(def, [x], { axis }).dataSync()),
    Float64Array.from(def.decompose!([x], { axis }).dataSync()),
  ]);
}

describe('cpu fused softmax and logSoftmax', () => {
  it('are registered kernels', () => {
    expect('softmax' in cpuKernels && 'logSoftmax' in cpuKernels).toBe(true);
    expect(T.kernelsFor('softmax')).toContain('cpu');
  });

  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [shape, axis] of [[[3, 130], 1], [[2, 5, 7], 1], [[4, 1], 1], [[2, 3, 9], 2], [[6, 4], 0]] as [number[], number][]) {
      for (const op of ['softmax', 'logSoftmax'] as const) {
        it(`${dtype} ${op} of [${shape}] along ${axis} matches the composite`, () => {
          const x = T.tensor(seq(size(shape), 3).map((v) => 30 * v), { shape, dtype });
          const [got, want] = both(op, x, axis);
          const tol = dtype === 'float32' ? 2e-6 : 1e-14;
          got.forEach((g, i) => expect(Math.abs(g - want[i]), `element ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
        });
      }
    }
  }

  it('gives NaN rows for a NaN or an all −∞ row, and 0 where x is −∞ among finite values', () => {
    const x = T.tensor([1, NaN, 2, -Infinity, -Infinity, -Infinity, 0, -Infinity, 1], { shape: [3, 3] });
    for (const op of ['softmax', 'logSoftmax'] as const) {
      const [got, want] = both(op, x, 1);
      got.forEach((g, i) => expect(Object.is(g, want[i]) || Math.abs(g - want[i]) < 1e-6, `${op} element ${i}: ${g} vs ${want[i]}`).toBe(true));
    }
  });

  it('runs under autograd (the op keeps its gradient)', () => {
    const x = T.tensor(seq(12, 5), { shape: [3, 4], dtype: 'float64' });
    const w = T.tensor(seq(12, 6), { shape: [3, 4], dtype: 'float64' });
    const g = T.grad((a: T.Tensor) => T.sum(T.mul(T.softmax(a), w)))(x)[0].dataSync();
    const r = T.grad((a: T.Tensor) => T.sum(T.mul(T.nnDefs.softmax.decompose!([a], { axis: 1 }), w)))(x)[0].dataSync();
    g.forEach((v, i) => expect(v).toBeCloseTo(r[i], 13));
  });
});
