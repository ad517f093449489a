import { manualSeed } from '@tessera/core';
import { DataLoader, type ImageBatch, ImageDataset, normalize } from '@tessera/datasets';
import { MNIST } from '@tessera/datasets/node';
import { buildModel } from '@tessera/models';
import { optimizer } from '@tessera/optim';
import { type Recipe, evaluate, fit, recipeOptimizerOptions } from '@tessera/train';

/** The deck's figure: "≃ 1 % test error" after 10 epochs on full MNIST (60,000 / 10,000). */
export const DECK_TEST_ERROR = 1;

/** The digits one run trains and tests on. */
export interface Digits {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/**
 * The bundled real MNIST sample (8,000 train / 2,000 test), or its first `limit` training
 * and `testLimit` test digits (quick runs, the tests).
 */
export function sampleDigits(limit?: number, testLimit?: number): Digits {
  const first = (d: ImageDataset, n?: number): ImageDataset => {
    if (n === undefined || n >= d.length) return d;
    return new ImageDataset(d.images.slice(0, n * d.imageSize), d.labels.slice(0, n), [d.shape[1], d.shape[2], d.shape[3]], d.classes);
  };
  return { train: first(MNIST.sample({ split: 'train' }), limit), test: first(MNIST.sample({ split: 'test' }), testLimit) };
}

/** Mean and standard deviation of all training pixels in [0, 1], as the deck's `train_input.data.mean(), .std()`. */
export function pixelStats(d: ImageDataset): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const p of d.images) {
    const v = p / 255;
    s += v;
    s2 += v * v;
  }
  const n = d.images.length;
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(s2 / n - mean * mean, 1e-12)) };
}

/**
 * Trains the recipe's model from seed `seed` on all of `digits.train` for `epochs` epochs,
 * exactly as the deck's loop (plain SGD, no schedule, no augmentation), then reads the test
 * split once: the error after the last epoch, in %. The epoch count is fixed in advance;
 * nothing is chosen on the test digits.
 */
export async function testError(digits: Digits, r: Recipe, seed: number, epochs = r.epochs): Promise<number> {
  manualSeed(seed);
  const { mean, std } = pixelStats(digits.train);
  const norm = ({ x, y }: ImageBatch): ImageBatch => ({ x: normalize(x, [mean], [std]), y });
  const [, c, h, w] = digits.train.shape;
  const model = buildModel(r.model, { numClasses: 10, inputShape: [c, h, w] });
  const opt = optimizer(r.optimizer.name, model.parameters(), recipeOptimizerOptions(r.optimizer, r.optimizer.name));
  const train = new DataLoader(digits.train, { batchSize: r.batchSize, shuffle: true, transform: norm });
  await fit(model, train, { loss: 'crossEntropy', optimizer: opt, epochs });
  const logs = await evaluate(model, new DataLoader(digits.test, { batchSize: 500, transform: norm }), { metrics: ['accuracy'] });
  return 100 * (1 - logs.accuracy);
}
