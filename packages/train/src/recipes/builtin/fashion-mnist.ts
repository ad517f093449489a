import type { Recipe } from '../recipe.js';

/**
 * Fashion-MNIST to ≥ 93 % test accuracy on the CPU backend in under half an hour of a
 * quiet 2-core machine: the small VGG of the zoo (batch norm, dropout), random crops
 * (padding 2) and horizontal flips, SGD with Nesterov momentum and weight decay, one warmup
 * epoch then cosine annealing, per batch.
 */
export const FASHION_MNIST: Recipe = {
  name: 'fashion-mnist',
  version: 1,
  description: 'vgg-mini (2×2 conv-bn-relu blocks, 16/32 wide, dropout) on Fashion-MNIST: crops (pad 2) + flips, SGD Nesterov 0.05, cosine, 15 epochs',
  model: 'vgg-mini',
  dataset: 'fashion-mnist',
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, options: { nesterov: true, weightDecay: 5e-4 } },
  schedule: { type: 'cosine', warmupEpochs: 1 },
  augmentation: { randomCropPadding: 2, horizontalFlip: true },
  epochs: 15,
  batchSize: 128,
  validationSplit: 0.1,
  seed: 0,
};
