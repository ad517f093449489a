import { describe, expect, it } from 'vitest';
import { manualSeed, memory, noGrad, Parameter, randn, tensor, tidy, zeros } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

// The README example: a 2-layer MLP learning XOR with plain tensor ops and hand-written SGD.
describe('XOR with a 2-layer MLP', () => {
  it('learns XOR and frees every intermediate', async () => {
    manualSeed(0);
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const w1 = new Parameter(randn([2, 8]));
    const b1 = new Parameter(zeros([8]));
    const w2 = new Parameter(randn([8, 1]));
    const b2 = new Parameter(zeros([1]));
    const params = [w1, b1, w2, b2];
    let loss = Infinity;
    const before = memory().numTensors;
    for (let step = 0; step < 2000; step++) {
      const l = tidy(() => {
        const h = x.matmul(w1).add(b1).tanh();
        const p = h.matmul(w2).add(b2).sigmoid();
        const mse = p.sub(y).square().mean();
        mse.backward();
        noGrad(() => {
          for (const p of params) {
            p.assign(p.sub(p.grad!.mul(0.5)));
            p.grad!.dispose();
            p.grad = null;
          }
        });
        return mse.itemSync();
      });
      loss = l;
    }
    expect(memory().numTensors).toBe(before);
    expect(loss).toBeLessThan(0.01);
    const pred = tidy(() => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sigmoid().round());
    expect(await pred.array()).toEqual([[0], [1], [1], [0]]);
  });
});
