import type { ModelDescriptor } from '../model-registry.js';
import { lenet5 } from '../lenet.js';
import { mlp } from '../mlp.js';
import { mnistCnn } from '../mnist-cnn.js';
import { resnet } from '../resnet.js';
import { vggMini } from '../vgg-mini.js';

/** The zoo's models that tools build by name; each entry is all a new model needs. */
export const BUILTIN_MODELS: readonly ModelDescriptor[] = [
  {
    name: 'mnist-cnn',
    description: 'the classic MNIST CNN: conv 1→32 k5, maxpool 3, relu, conv 32→64 k5, maxpool 2, relu, fc 256→200, relu, fc 200→10',
    inputShape: [1, 28, 28],
    build: ({ numClasses }) => mnistCnn({ numClasses }),
  },
  {
    name: 'mlp',
    description: 'a multilayer perceptron (C·H·W)→256→256→classes with ReLU',
    build: ({ numClasses, inputShape: [c, h, w] }) => mlp({ inFeatures: c * h * w, hidden: [256, 256], outFeatures: numClasses }),
  },
  {
    name: 'lenet5',
    description: 'LeNet-5, modern variant: conv 5×5 (padding 2) 6, maxpool, conv 5×5 16, maxpool, fc 120, 84, classes, ReLU',
    inputShape: [1, 28, 28],
    build: ({ numClasses }) => lenet5({ numClasses }),
  },
  {
    name: 'vgg-mini',
    description:
      'a small VGG: 2 blocks of 2× (conv 3×3, batch norm, relu) 16 then 32 wide, each with maxpool 2 and dropout 0.1; ' +
        'fc 128, dropout 0.3, classes (any C×H×W of at least 4×4)',
    build: ({ numClasses, inputShape: [c, h, w] }) => vggMini({ inChannels: c, numClasses, inputSize: [h, w] }),
  },
  {
    name: 'resnet20',
    description: 'the CIFAR-10 ResNet-20 of He et al. (3 stages of 3 basic blocks, 16/32/64 channels)',
    inputShape: [3, 32, 32],
    build: ({ numClasses }) => resnet('resnet20', { numClasses }),
  },
];
