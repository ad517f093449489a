import type { Recipe } from '../recipe.js';

/**
 * Fashion-MNIST on the CPU backend in well under half an hour of a quiet 2-core machine
 * (v1, 15 epochs, measured 92.82 % test accuracy with training accuracy still below
 * validation: it underfit, so v2 trains 25): the small VGG of the zoo (batch norm, dropout), random crops
 * (padding 2) and horizontal flips, SGD with Nesterov momentum and weight decay, one warmup
 * epoch then cosine annealing, per batch.
 */
export const FASHION_MNIST: Recipe = {
  name: 'fashion-mnist',
  version: 2,
  description:
    'vgg-mini (2×2 conv-bn-relu blocks, 16/32 wide, dropout) on Fashion-MNIST: crops (pad 2) + flips, SGD Nesterov 0.05, cosine, 25 epochs',
  model: 'vgg-mini',
  dataset: 'fashion-mnist',
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, options: { nesterov: true, weightDecay: 5e-4 } },
  schedule: { type: 'cosine', warmupEpochs: 1 },
  augmentation: { randomCropPadding: 2, horizontalFlip: true },
  epochs: 25,
  batchSize: 128,
  validationSplit: 0.1,
  seed: 0,
  results: [
    {
      metric:
        'v1 (15 epochs): test accuracy 92.82 % after 15 epochs (validation 93.67 %; first ≥ 92 % on validation at epoch 9); ' +
        'short of 93.0 %',
      setting: 'CPU backend, 2-core VM; 1,437 s CPU (user + sys), ≈ 12 min on a quiet machine',
    },
  ],
};
