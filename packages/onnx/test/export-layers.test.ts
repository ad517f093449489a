import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  type AnyModule, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dropout, ELU, Flatten, GELU, GRU,
  GlobalAvgPool, LSTM, LayerNorm, LeakyReLU, Linear, LocalResponseNorm, LocallyConnected2d, LogSoftmax, MaxPool1d, MaxPool2d, Module, PReLU, RNN, Reshape,
  Sequential, Sigmoid, Softmax, Softplus, Tanh,
} from '@tessera/layers';
import { exportOnnx } from '../src/index.js';
import { maxRelativeError, runOnnx } from './ort.js';

beforeAll(() => use(cpu()));

/** Runs a recurrent layer and keeps its output sequence (an nn.Module returning a tuple, as PyTorch's). */
class LastOutput extends Module<[Tensor], Tensor> {
  constructor(readonly rnn: RNN | LSTM | GRU) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.rnn.call(x)[0];
  }
}

const CASES: [string, () => AnyModule, number[]][] = [
  ['conv stack: padding, stride, dilation, groups, batch norm, every pooling, activations', () => new Sequential(
    new Conv2d(2, 4, 3, { padding: 1 }), new BatchNorm2d(4), new LeakyReLU(0.2),
    new Conv2d(4, 4, 3, { stride: 2, groups: 2, padding: 1 }), new ELU(0.5),
    new MaxPool2d(2, { stride: 1, padding: 1 }), new AvgPool2d(2, { padding: 1, countIncludePad: false }), new GELU(),
    new Conv2d(4, 6, [3, 1], { dilation: 2, padding: [2, 0] }), new LocalResponseNorm(3), new AdaptiveAvgPool2d([2, 3]),
    new Flatten(), new Linear(36, 5), new LogSoftmax(),
  ), [2, 2, 12, 11]],
  ['transposed convolutions with output padding', () => new Sequential(
    new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), new Sigmoid(), new ConvTranspose2d(2, 2, [2, 3], { stride: [1, 2] }), new GlobalAvgPool(),
  ), [1, 3, 4, 5]],
  ['1-d conv and pools, batch norm 1d, PReLU, softplus', () => new Sequential(
    new Conv1d(3, 4, 3, { padding: 1 }), new BatchNorm1d(4), new PReLU({ numParameters: 4 }), new MaxPool1d(2), new AvgPool1d(2), new Softplus(), new Flatten(), new Linear(8, 3),
  ), [2, 3, 8]],
  ['layer norm, dropout (eval), reshape, softmax', () => new Sequential(
    new Linear(6, 8), new LayerNorm(8), new Tanh(), new Dropout(0.5), new Reshape([2, 4]), new Softmax(),
  ), [3, 6]],
  ['locally connected', () => new Sequential(new LocallyConnected2d(2, 3, [5, 5], 2), new Flatten(), new Linear(48, 2)), [2, 2, 5, 5]],
  ['RNN (tanh, 2 layers, batch first)', () => new LastOutput(new RNN(3, 4, { numLayers: 2, batchFirst: true })), [2, 5, 3]],
  ['LSTM (bidirectional)', () => new LastOutput(new LSTM(3, 4, { bidirectional: true })), [5, 2, 3]],
  ['GRU (2 layers, bidirectional)', () => new LastOutput(new GRU(2, 3, { numLayers: 2, bidirectional: true })), [4, 2, 2]],
];

describe('exportOnnx: models built from the built-in layers match in onnxruntime-node', () => {
  for (const [name, build, shape] of CASES) {
    it(name, async () => {
      manualSeed(11);
      const model = build();
      // Batch norm with non-trivial running statistics: a few training batches first.
      noGrad(() => { for (let i = 0; i < 3; i++) model.call(randn(shape)); });
      const x = randn(shape);
      const bytes = exportOnnx(model, x);
      const want = noGrad(() => model.eval().call(x) as Tensor);
      const [got] = await runOnnx(bytes, { input: x });
      expect(got.dims).toEqual(want.shape);
      expect(maxRelativeError(got.data, want.dataSync())).toBeLessThanOrEqual(1e-4);
    });
  }
});
