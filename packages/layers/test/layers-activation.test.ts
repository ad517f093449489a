import { beforeAll, describe, expect, it } from 'vitest';
import { FUSED_ACTIVATIONS, type FusedActivation, type Tensor, conv1d, conv2d, gradients, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Conv1d, Conv2d, LayerConfigError, Linear } from '../src/index.js';
import { expectClose, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const act = (y: Tensor, a: FusedActivation): Tensor => (a === 'linear' ? y : y[a]());

/** Output and the gradients of every parameter and of x under a fixed weighting of the output. */
function outAndGrads(layer: Linear | Conv1d | Conv2d, x: Tensor, forward: (x: Tensor) => Tensor): number[][] {
  return tidy(() => {
    const xs = x.clone().requiresGrad_();
    const y = forward(xs);
    const w = randT([...y.shape], 99);
    const grads = gradients(y.mul(w).sum(), [xs, ...layer.parameters()]);
    return [Array.from(y.dataSync()), ...grads.map((g) => Array.from(g.dataSync()))];
  });
}

function expectSame(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expectClose(v, b[i], 1e-12, 1e-12));
}

describe('activation option of Linear and the convolutions', () => {
  for (const activation of FUSED_ACTIVATIONS) {
    for (const bias of [true, false]) {
      it(`Linear ${activation}, bias ${bias}: values and gradients of act(x·Wᵀ + b), [N, in] and [B, N, in]`, () => {
        const fc = new Linear(5, 4, { activation, bias, dtype: 'float64' });
        for (const shape of [[3, 5], [2, 3, 5]]) {
          const x = randT(shape, 7);
          const unfused = (v: Tensor) => act(fc.bias ? v.matmul(fc.weight, { transposeB: true }).add(fc.bias) : v.matmul(fc.weight, { transposeB: true }), activation);
          expectSame(outAndGrads(fc, x, (v) => fc.call(v)), outAndGrads(fc, x, unfused));
        }
      });

      it(`Conv2d and Conv1d ${activation}, bias ${bias}: values and gradients of act(conv + b)`, () => {
        const c2 = new Conv2d(2, 3, 3, { activation, bias, padding: 1, dtype: 'float64' });
        const x2 = randT([2, 2, 5, 5], 8);
        const un2 = (v: Tensor) => act(conv2d(v, c2.weight, { padding: [1, 1], bias: c2.bias ?? undefined }), activation);
        expectSame(outAndGrads(c2, x2, (v) => c2.call(v)), outAndGrads(c2, x2, un2));
        const c1 = new Conv1d(2, 3, 3, { activation, bias, dtype: 'float64' });
        const x1 = randT([2, 2, 6], 9);
        const un1 = (v: Tensor) => act(conv1d(v, c1.weight, { bias: c1.bias ?? undefined }), activation);
        expectSame(outAndGrads(c1, x1, (v) => c1.call(v)), outAndGrads(c1, x1, un1));
      });
    }
  }

  it("defaults to 'linear', shows a non-linear activation in the repr, keeps the state dict keys", () => {
    expect(new Linear(2, 3).activation).toBe('linear');
    expect(new Linear(2, 3).toString()).not.toContain('activation');
    expect(new Linear(2, 3, { activation: 'relu' }).toString()).toContain("activation='relu'");
    expect(new Conv2d(1, 2, 3, { activation: 'tanh' }).toString()).toContain("activation='tanh'");
    expect(Object.keys(new Linear(2, 3, { activation: 'sigmoid' }).stateDict()).sort()).toEqual(['bias', 'weight']);
  });

  it('rejects an unknown activation with a LayerConfigError naming the layer and the choices', () => {
    const bad = { activation: 'softmax' as FusedActivation };
    expect(() => new Linear(2, 3, bad)).toThrow(LayerConfigError);
    expect(() => new Linear(2, 3, bad)).toThrow(/Linear: activation must be one of 'linear', 'relu', 'sigmoid', 'tanh' but got "softmax"/);
    expect(() => new Conv2d(1, 2, 3, bad)).toThrow(/Conv2d: activation must be one of/);
  });
});
