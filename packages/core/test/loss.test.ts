import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, gradients, noGrad, softmaxCrossEntropy, softmaxCrossEntropyDef, tensor, type Tensor } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

const X = [[2, 0, -1], [0.5, 0.5, 3], [1, 2, 3]];
const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
};

describe('softmaxCrossEntropy', () => {
  it('is logSumExp(row) − row[label], 0 on ignored rows and NaN on out-of-range labels', () => {
    const x = tensor(X, { dtype: 'float64' });
    const y = softmaxCrossEntropy(x, tensor([0, -100, 5], { dtype: 'int32' })).dataSync();
    close([y[0], y[1]], [lse(X[0]) - 2, 0]);
    expect(Number.isNaN(y[2])).toBe(true);
  });

  it('its gradient is (softmax − onehot)·dy, by autograd and by the op gradient', () => {
    const labels = tensor([2, 0, -100], { dtype: 'int32' });
    const dy = [0.5, -2, 3];
    const expected = X.flatMap((row, n) => {
      const s = row.map((v) => Math.exp(v - lse(row)));
      const t = [2, 0, -1][n];
      return n === 2 ? [0, 0, 0] : s.map((p, c) => (p - (c === t ? 1 : 0)) * dy[n]);
    });
    const x = tensor(X, { dtype: 'float64' }).requiresGrad_();
    const [g] = gradients(softmaxCrossEntropy(x, labels).mul(tensor(dy, { dtype: 'float64' })).sum(), [x]);
    close(g.dataSync(), expected);
    const out = softmaxCrossEntropy(x, labels);
    const viaOp = noGrad(() =>
      softmaxCrossEntropyDef.grad!(tensor(dy, { dtype: 'float64' }), { inputs: [x, labels], output: out, attrs: { ignoreIndex: -100 }, needsGrad: [true, false] }),
    );
    close((viaOp[0] as Tensor).dataSync(), expected);
    expect(viaOp[1]).toBeNull();
  });

  it('ignored rows get exactly 0 gradient even when dy is ±∞ (a mean over a fully ignored batch)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const labels = tensor([-100, -100, -100], { dtype: 'int32' });
      const x = tensor(X, { dtype }).requiresGrad_();
      // The mean over zero kept rows: 0 / 0 (NaN, as in PyTorch), and dy = ∞ on every row.
      const loss = softmaxCrossEntropy(x, labels).sum().div(0);
      expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
      const [g] = gradients(loss, [x]);
      expect(Array.from(g.dataSync(), (v) => v + 0)).toEqual(new Array(9).fill(0)); // + 0: −0 counts as 0
      const out = softmaxCrossEntropy(x, labels);
      const dy = tensor([Infinity, -Infinity, Number.NaN], { dtype });
      const viaOp = noGrad(() =>
        softmaxCrossEntropyDef.grad!(dy, { inputs: [x, labels], output: out, attrs: { ignoreIndex: -100 }, needsGrad: [true, false] }),
      );
      expect(Array.from((viaOp[0] as Tensor).dataSync(), (v) => v + 0)).toEqual(new Array(9).fill(0));
    }
  });

  it('names the op and the fix for wrong shapes and dtypes', () => {
    const x = tensor(X);
    expect(() => softmaxCrossEntropy(x, tensor([0, 1, 2]))).toThrow(DTypeError);
    expect(() => softmaxCrossEntropy(x, tensor([0, 1], { dtype: 'int32' }))).toThrow(/softmaxCrossEntropy: expects logits \[N, C\] and labels \[N\]/);
    expect(() => softmaxCrossEntropy(x, tensor([0, 1], { dtype: 'int32' }))).toThrow(ShapeError);
  });
});
