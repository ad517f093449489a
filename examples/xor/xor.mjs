// A 2-layer MLP learns XOR with plain tensor ops, backward() and a hand-written SGD step.
import { manualSeed, noGrad, Parameter, randn, tensor, tidy, zeros, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';

use(cpu());
manualSeed(0);

const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tensor([[0], [1], [1], [0]]);
const w1 = new Parameter(randn([2, 8]));
const b1 = new Parameter(zeros([8]));
const w2 = new Parameter(randn([8, 1]));
const b2 = new Parameter(zeros([1]));
const params = [w1, b1, w2, b2];

const forward = () => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sigmoid();

for (let step = 0; step <= 2000; step++) {
  const loss = tidy(() => {
    const mse = forward().sub(y).square().mean();
    mse.backward();
    noGrad(() => {
      for (const p of params) {
        p.assign(p.sub(p.grad.mul(0.5)));
        p.grad.dispose();
        p.grad = null;
      }
    });
    return mse.itemSync();
  });
  if (step % 500 === 0) console.log(`step ${step}  loss ${loss.toFixed(5)}`);
}
console.log('predictions:', noGrad(() => tidy(() => forward())).toString());
