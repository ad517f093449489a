import { DataError } from '@tessera/core';
import { CIFAR10_CLASSES, parseCifar10 } from './cifar.js';
import { ImageDataset } from './image-dataset.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';
import type { Split } from './resources.js';
import { parseTar } from './tar.js';

/** MNIST class names (the digits). */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Fashion-MNIST class names, index = label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** What the MNIST-format loaders return: a Dataset of `[N, 1, 28, 28]` bytes and int32 labels. */
export class IdxImageDataset extends ImageDataset {
  constructor(
    images: Uint8Array,
    labels: Int32Array,
    rows: number,
    cols: number,
    classes: readonly string[],
    readonly split: Split,
    /** The files (or URLs) it was read from (empty for the bundled sample). */
    readonly files: readonly string[],
  ) {
    super(images, labels, [1, rows, cols], classes);
  }
}

/** One decompressed file and the name to use in messages. */
export interface NamedBytes {
  readonly bytes: Uint8Array;
  readonly file: string;
}

/**
 * Builds a 28×28 MNIST-format dataset from a decompressed IDX images file and labels file,
 * checking that they belong together. `name` (e.g. 'MNIST') appears in messages.
 */
export function idxImageDataset(
  name: string,
  classes: readonly string[],
  split: Split,
  images: NamedBytes,
  labels: NamedBytes,
): IdxImageDataset {
  const img = parseIdxImages(images.bytes, images.file);
  const lbl = parseIdxLabels(labels.bytes, labels.file, classes.length);
  if (img.count !== lbl.length) {
    throw new DataError(
      `${name}: ${images.file} has ${img.count} images but ${labels.file} has ${lbl.length} labels; the two files belong to different ` +
        `sets: replace them with a matching pair.`,
    );
  }
  if (img.count === 0) {
    // Training on it would run zero steps and end with loss null.
    throw new DataError(
      `${name}: ${images.file} and ${labels.file} hold 0 examples; they are empty: put the real files there (or fetch them again).`,
    );
  }
  if (img.rows !== 28 || img.cols !== 28) {
    throw new DataError(`${images.file}: images are ${img.rows}×${img.cols}, ${name} images are 28×28; this is not a ${name} file.`);
  }
  // Keep the decompressed file's buffer when the pixels fill it (only the 16-byte header is
  // extra); copy out of a larger one (e.g. an archive) so it can be freed.
  const pixels = img.data.byteLength + 64 >= img.data.buffer.byteLength ? img.data : img.data.slice();
  return new IdxImageDataset(pixels, lbl, img.rows, img.cols, classes, split, [images.file, labels.file]);
}

/** The batch files of a CIFAR-10 split, in order. */
export function cifar10BatchNames(split: Split): string[] {
  return split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
}

/** Concatenates parsed CIFAR-10 batch files into one `[N, 3, 32, 32]` dataset. */
export function cifar10Dataset(batches: readonly NamedBytes[]): ImageDataset {
  const parts = batches.map((b) => parseCifar10(b.bytes, b.file));
  const total = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(total * 3072);
  const labels = new Int32Array(total);
  let k = 0;
  for (const p of parts) {
    images.set(p.images, k * 3072);
    labels.set(p.labels, k);
    k += p.labels.length;
  }
  return new ImageDataset(images, labels, [3, 32, 32], CIFAR10_CLASSES);
}

/**
 * Reads a split from the (decompressed) `cifar-10-binary.tar.gz` archive, whose batches
 * sit in `cifar-10-batches-bin/`.
 */
export function cifar10FromTar(tar: Uint8Array, file: string, split: Split): ImageDataset {
  const entries = parseTar(tar, file);
  const batches = cifar10BatchNames(split).map((n) => {
    const bytes = entries.get(`cifar-10-batches-bin/${n}`) ?? entries.get(n);
    if (!bytes) {
      throw new DataError(
        `${file}: has no cifar-10-batches-bin/${n}; this is not the CIFAR-10 binary archive (cifar-10-binary.tar.gz): fetch that one.`,
      );
    }
    return { bytes, file: `${file}:cifar-10-batches-bin/${n}` };
  });
  return cifar10Dataset(batches);
}
