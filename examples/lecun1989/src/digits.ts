import { manualSeed } from '@tessera/core';
import { ImageDataset, randomPermutation, resizeArea, subset } from '@tessera/datasets';
import { MNIST } from '@tessera/datasets/node';

/** 16×16 grey digits, as in LeCun (1989): the bundled MNIST sample shrunk by area averaging. */
export function digits16(split: 'train' | 'test'): ImageDataset {
  const src = MNIST.sample({ split });
  const n = src.length;
  const images = new Uint8Array(n * 256);
  for (let i = 0; i < n; i++) {
    const small = resizeArea(src.get(i).image, 28, 28, 16, 16);
    for (let p = 0; p < 256; p++) images[i * 256 + p] = Math.round(small[p]);
  }
  return new ImageDataset(images, src.labels, [1, 16, 16], MNIST.classes);
}

/** One seeded draw: `nTrain` training and `nTest` test digits, each from its own split. */
export interface Draw {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}

/** Copies the examples at `indices` into a dataset of their own. */
function pick(d: ImageDataset, indices: Int32Array): ImageDataset {
  const s = subset(d, indices);
  const images = new Uint8Array(indices.length * d.imageSize);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const ex = s.get(k);
    images.set(ex.image, k * d.imageSize);
    labels[k] = ex.label;
  }
  return new ImageDataset(images, labels, [d.shape[1], d.shape[2], d.shape[3]], d.classes);
}

/**
 * Draws `nTrain` digits from the sample's training split and `nTest` from its test split
 * (uniformly, without replacement), seeded by `seed` alone: draw k is the same every run.
 */
export function drawDigits(all: { train: ImageDataset; test: ImageDataset }, seed: number, nTrain: number, nTest: number): Draw {
  manualSeed(seed);
  const train = pick(all.train, randomPermutation(all.train.length).subarray(0, nTrain));
  const test = pick(all.test, randomPermutation(all.test.length).subarray(0, nTest));
  return { train, test };
}
