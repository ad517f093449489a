import type { AnyModule } from '@tessera/layers';
import {
  ContractiveAutoencoder, ConvAutoencoder, DenseAutoencoder, SequenceClassifier, SparseAutoencoder, alexnet, googlenet, lecun1989, lenet5, lstmRegressor,
  mlp, mnistCnn, resnet, stackedAutoencoder, vgg,
} from '@tessera/models';

/** Every zoo model at a small size: name, builder, input shape. */
export const ZOO_CASES: readonly (readonly [string, () => AnyModule, number[]])[] = [
  ['mlp', () => mlp({ inFeatures: 6, hidden: [5, 4], outFeatures: 3, activation: 'tanh', dropout: 0.1 }), [2, 6]],
  ['mlp (relu, flattens images)', () => mlp({ inFeatures: 12, hidden: [8], outFeatures: 3 }), [2, 3, 4]],
  ['mnistCnn', () => mnistCnn({ numClasses: 5 }), [2, 1, 28, 28]],
  ['lenet5 (modern)', () => lenet5({ numClasses: 7 }), [2, 1, 28, 28]],
  ['lenet5 (1998, linear output)', () => lenet5({ variant: '1998', output: 'linear', numClasses: 4 }), [1, 1, 32, 32]],
  ['lecun1989 net4', () => lecun1989('net4', { numClasses: 3 }), [1, 1, 16, 16]],
  ['alexnet (original)', () => alexnet({ variant: 'original', hidden: 8, numClasses: 4, dropout: 0 }), [1, 3, 63, 63]],
  ['vgg A with batch norm', () => vgg('A', { batchNorm: true, hidden: 16, numClasses: 4, inChannels: 1 }), [1, 1, 32, 32]],
  ['resnet20', () => resnet('resnet20', { numClasses: 5, inChannels: 1 }), [2, 1, 32, 32]],
  ['googlenet (paper)', () => googlenet({ variant: 'paper', numClasses: 6, auxLogits: true }), [1, 3, 64, 64]],
  ['DenseAutoencoder', () => new DenseAutoencoder({ inFeatures: 8, hidden: [6, 3], noise: 0.1, activation: 'tanh' }), [2, 8]],
  ['stackedAutoencoder', () => stackedAutoencoder({ inFeatures: 8, hidden: [4] }), [2, 8]],
  ['ConvAutoencoder', () => new ConvAutoencoder({ inChannels: 2, channels: [3, 4] }), [1, 2, 8, 8]],
  ['SparseAutoencoder', () => new SparseAutoencoder({ inFeatures: 8, hidden: 3, rho: 0.1, beta: 2 }), [2, 8]],
  ['ContractiveAutoencoder', () => new ContractiveAutoencoder({ inFeatures: 8, hidden: 3, lambda: 0.5 }), [2, 8]],
  ['SequenceClassifier (gru)', () => new SequenceClassifier({ inputSize: 2, hiddenSize: 4, outFeatures: 3, cell: 'gru', numLayers: 2 }), [2, 5, 2]],
  ['SequenceClassifier (lstm)', () => new SequenceClassifier({ inputSize: 2, hiddenSize: 4, outFeatures: 3, cell: 'lstm' }), [2, 5, 2]],
  ['lstmRegressor', () => lstmRegressor({ inputSize: 2, hiddenSize: 3, outFeatures: 1 }), [2, 4, 2]],
];
