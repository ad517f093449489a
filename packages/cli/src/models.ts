import type { Layer } from '@tessera/layers';
import { lenet5, mlp, mnistCnn, resnet } from '@tessera/models';
import { CliError } from './errors.js';

/** Image shape `[C, H, W]`. */
export type ImageShape = readonly [number, number, number];

/** A model the CLI can build by name (from `@tessera/models`). */
export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  /** Input image shape `[C, H, W]` the model is made for; undefined: any (the MLP flattens). */
  readonly inputShape?: ImageShape;
  /** Builds the model for `numClasses` outputs on images of `inputShape`. */
  build(numClasses: number, inputShape: ImageShape): Layer;
}

const MODELS: readonly ModelSpec[] = [
  {
    name: 'mnist-cnn',
    description: 'the classic MNIST CNN: conv 1→32 k5, maxpool 3, relu, conv 32→64 k5, maxpool 2, relu, fc 256→200, relu, fc 200→10',
    inputShape: [1, 28, 28],
    build: (k) => mnistCnn({ numClasses: k }),
  },
  {
    name: 'mlp',
    description: 'a multilayer perceptron (C·H·W)→256→256→classes with ReLU',
    build: (k, [c, h, w]) => mlp({ inFeatures: c * h * w, hidden: [256, 256], outFeatures: k }),
  },
  {
    name: 'lenet5',
    description: 'LeNet-5, modern variant: conv 5×5 (padding 2) 6, maxpool, conv 5×5 16, maxpool, fc 120, 84, classes, ReLU',
    inputShape: [1, 28, 28],
    build: (k) => lenet5({ numClasses: k }),
  },
  {
    name: 'resnet20',
    description: 'the CIFAR-10 ResNet-20 of He et al. (3 stages of 3 basic blocks, 16/32/64 channels)',
    inputShape: [3, 32, 32],
    build: (k) => resnet('resnet20', { numClasses: k }),
  },
];

/** Names of the models `--model` accepts. */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/** The model spec for a name; unknown names list the valid ones. */
export function modelSpec(name: string): ModelSpec {
  const m = MODELS.find((s) => s.name === name);
  if (!m) throw new CliError(`unknown model '${name}'; valid models: ${modelNames().join(', ')}.`);
  return m;
}
