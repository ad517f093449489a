import { type Parameter, type Tensor, manualSeed, randn, tensor, tidy, zeros } from '@tessera/core';
import { Module, param } from '@tessera/layers';

/** Softmax regression: logits = x·Wᵀ + b (PyTorch Linear layout). */
export class Affine extends Module {
  weight: Parameter;
  bias: Parameter;
  constructor(inF: number, outF: number) {
    super();
    this.weight = param(randn([outF, inF]).mul(0.01));
    this.bias = param(zeros([outF]));
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true }).add(this.bias);
  }
}

/** Mean cross-entropy of logits [N, C] against int32 class indices [N]. */
export function ce(pred: Tensor, y: Tensor): Tensor {
  return pred.logSoftmax(1).gather(1, y.reshape([-1, 1])).mean().neg();
}

/** Three well-separated Gaussian blobs in 2-D: n examples, labels 0..2. */
export function blobs(n: number, seed = 0): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  const centers = [[3, 0], [-3, 3], [-3, -3]];
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  return tidy(() => {
    const noise = randn([n, 2]).mul(0.5);
    const c = tensor(labels.map((l) => centers[l]));
    return { x: c.add(noise), y: tensor(labels, { dtype: 'int32' }) };
  });
}
