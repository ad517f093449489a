import { Buffer } from 'node:buffer';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { type AnyModule, ModuleConfigError, loadModel, saveModel, saveWeights } from '@tessera/layers';
import {
  ContractiveAutoencoder, ConvAutoencoder, DenseAutoencoder, SequenceClassifier, SparseAutoencoder, alexnet, googlenet, lecun1989, lenet5, lstmRegressor,
  mlp, mnistCnn, registerZoo, replaceHead, resnet, stackedAutoencoder, vgg, zooNames,
} from '../src/index.js';

beforeAll(() => use(cpu()));

/** Same keys, then bit-identical weights (safetensors bytes are deterministic; fast even for VGG's millions of values). */
function expectSameState(got: AnyModule, want: AnyModule): void {
  const keys = (m: AnyModule) => Object.entries(m.stateDict()).map(([k, t]) => `${k} [${t.shape.join(',')}]`).sort();
  expect(keys(got)).toEqual(keys(want));
  expect(Buffer.compare(saveWeights(got), saveWeights(want))).toBe(0);
}

describe('zoo model files', () => {
  it('loading a zoo model before registerZoo() names @tessera/models and registerZoo', async () => {
    const bytes = await saveModel(mlp({ inFeatures: 4, hidden: [3], outFeatures: 2 }));
    expect(() => loadModel(bytes, { file: 'mlp.safetensors' })).toThrow(ModuleConfigError);
    expect(() => loadModel(bytes, { file: 'mlp.safetensors' })).toThrow(/mlp\.safetensors: config: unknown module 'mlp'; it is registered by @tessera\/models.*registerZoo\(\)/);
  });

  it('a zoo model records its name and options', () => {
    registerZoo();
    expect(resnet('resnet20', { numClasses: 10 }).getConfig()).toEqual({ type: 'resnet', from: '@tessera/models', args: ['resnet20', { numClasses: 10 }] });
    expect(mnistCnn({ inChannels: 3 }).getConfig()).toEqual({ type: 'mnistCnn', from: '@tessera/models', args: [{ inChannels: 3 }] });
    expect(zooNames()).toContain('googlenet');
  });

  const cases: [string, () => AnyModule, number[]][] = [
    ['mlp', () => mlp({ inFeatures: 6, hidden: [5, 4], outFeatures: 3, activation: 'tanh', dropout: 0.1 }), [2, 6]],
    ['mnistCnn', () => mnistCnn({ numClasses: 5 }), [1, 1, 28, 28]],
    ['lenet5 (modern)', () => lenet5({ numClasses: 7 }), [1, 1, 28, 28]],
    ['lenet5 (1998, linear output)', () => lenet5({ variant: '1998', output: 'linear', numClasses: 4 }), [1, 1, 32, 32]],
    ['lecun1989 net4', () => lecun1989('net4', { numClasses: 3 }), [1, 1, 16, 16]],
    ['alexnet (original)', () => alexnet({ variant: 'original', hidden: 8, numClasses: 4, dropout: 0 }), [1, 3, 63, 63]],
    ['vgg A with batch norm', () => vgg('A', { batchNorm: true, hidden: 16, numClasses: 4, inChannels: 1 }), [1, 1, 32, 32]],
    ['resnet20', () => resnet('resnet20', { numClasses: 5, inChannels: 1 }), [1, 1, 32, 32]],
    ['googlenet (paper)', () => googlenet({ variant: 'paper', numClasses: 6, auxLogits: true }), [1, 3, 64, 64]],
    ['DenseAutoencoder', () => new DenseAutoencoder({ inFeatures: 8, hidden: [6, 3], noise: 0.1, activation: 'tanh' }), [2, 8]],
    ['stackedAutoencoder', () => stackedAutoencoder({ inFeatures: 8, hidden: [4] }), [2, 8]],
    ['ConvAutoencoder', () => new ConvAutoencoder({ inChannels: 2, channels: [3, 4] }), [1, 2, 8, 8]],
    ['SparseAutoencoder', () => new SparseAutoencoder({ inFeatures: 8, hidden: 3, rho: 0.1, beta: 2 }), [2, 8]],
    ['ContractiveAutoencoder', () => new ContractiveAutoencoder({ inFeatures: 8, hidden: 3, lambda: 0.5 }), [2, 8]],
    ['SequenceClassifier (gru)', () => new SequenceClassifier({ inputSize: 2, hiddenSize: 4, outFeatures: 3, cell: 'gru', numLayers: 2 }), [2, 5, 2]],
    ['lstmRegressor', () => lstmRegressor({ inputSize: 2, hiddenSize: 3, outFeatures: 1 }), [2, 4, 2]],
  ];

  for (const [name, build, shape] of cases) {
    it(`${name}: rebuilt by name with the same weights and outputs`, async () => {
      registerZoo();
      manualSeed(7);
      const model = build();
      const x = randn(shape);
      const again = loadModel(await saveModel(model), { file: `${name}.safetensors` });
      expect(again.constructor).toBe(model.constructor);
      expect(again.getConfig()).toEqual(model.getConfig());
      expectSameState(again, model);
      model.eval();
      again.eval();
      const want = noGrad(() => model.call(x) as Tensor);
      const got = noGrad(() => again.call(x) as Tensor);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    });
  }

  it('a zoo model whose head was replaced no longer matches its recorded options, and loading says the weights do not fit', async () => {
    registerZoo();
    const net = replaceHead(resnet('resnet20', { numClasses: 10 }), 3);
    await expect(saveModel(net).then((b) => loadModel(b, { file: 'r.safetensors' }))).rejects.toThrow(/r\.safetensors: the weights do not fit.*fc\.weight/);
  });
});
