import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropyLoss, mseLoss } from '@tessera/layers';
import { Adam, SGD } from '@tessera/optim';
import { SequenceClassifier, lstmRegressor, parityDataset } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

describe('sequence models', () => {
  it('LSTM and GRU classifiers: count from the gate table, shape, step', async () => {
    for (const [cell, gates] of [['lstm', 4], ['gru', 3]] as const) {
      const net = new SequenceClassifier({ inputSize: 3, hiddenSize: 5, outFeatures: 2, cell });
      expect(net.numParameters()).toBe(gates * 5 * (3 + 5 + 2) + 5 * 2 + 2);
      expect(net.call(randn([4, 6, 3])).shape).toEqual([4, 2]);
      await expectStepLowersLoss(net, [4, 6, 3], 2, 0.1);
    }
  });
  it('LSTM regressor: one step lowers the MSE', async () => {
    const net = lstmRegressor({ inputSize: 2, hiddenSize: 4, outFeatures: 1 });
    const x = randn([4, 5, 2]);
    const y = randn([4, 1]);
    const opt = new SGD(net.parameters(), { lr: 0.1 });
    const l0 = mseLoss(net.call(x), y);
    l0.backward();
    opt.step();
    expect(await mseLoss(net.call(x), y).item()).toBeLessThan(await l0.item());
  });
  it('parityDataset: labels and running parity', () => {
    const { x, y, steps } = parityDataset(3);
    expect(x[6]).toEqual([[-1], [1], [1]]); // 6 = bits 0, 1, 1 (least significant first)
    expect(steps[6]).toEqual([0, 1, 0]);
    expect(y[6]).toBe(0);
    expect(y[7]).toBe(1);
  });
  it('learns 8-bit parity to ≥ 95% accuracy (trained on the running parity at every step)', async () => {
    manualSeed(3);
    const { x, y, steps } = parityDataset(8);
    const xs = tensor(x);
    const targets = tensor(steps.flat(), { dtype: 'int32' });
    const net = new SequenceClassifier({ inputSize: 1, hiddenSize: 16, outFeatures: 2 });
    const opt = new Adam(net.parameters(), { lr: 0.02 });
    const accuracy = () => {
      const pred = tidy(() => net.call(xs).argmax(1)).dataSync();
      return y.filter((v, i) => pred[i] === v).length / y.length;
    };
    const before = accuracy();
    let acc = 0;
    for (let epoch = 0; epoch < 200 && acc < 1; epoch++) {
      tidy(() => {
        crossEntropyLoss(net.forwardSteps(xs).reshape([-1, 2]), targets).backward();
        opt.step();
        opt.zeroGrad();
      });
      if (epoch % 10 === 9) acc = accuracy();
    }
    expect(before).toBeLessThan(0.7);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });
});
