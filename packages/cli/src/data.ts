import { existsSync } from 'node:fs';
import type { ImageDataset } from '@tessera/datasets';
import { CIFAR10, FashionMNIST, MNIST } from '@tessera/datasets/node';
import { DataError } from '@tessera/core';
import { CliError } from './errors.js';

/** Where a dataset came from, said to the user and kept in the run's config. */
export interface LoadedData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  readonly classes: readonly string[];
  /** e.g. "MNIST (full, 60,000 train / 10,000 test) from ~/.cache/tessera/mnist". */
  readonly source: string;
  /** A hint printed when a smaller substitute was used. */
  readonly note: string | null;
}

/** Options for loading datasets. */
export interface DataOptions {
  /** Never download (also `TESSERA_OFFLINE=1`). */
  readonly offline: boolean;
  /** Cache directory (default: TESSERA_DATA_DIR or the user cache). */
  readonly dataDir?: string;
  /** Where status lines go. */
  readonly log: (line: string) => void;
}

const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';
const count = (d: ImageDataset): string => d.length.toLocaleString('en-US');
const describe = (title: string, train: ImageDataset, test: ImageDataset, where: string): string =>
  `${title} (${count(train)} train / ${count(test)} test) ${where}`;

type Loader = (o: DataOptions) => Promise<LoadedData>;

const sample: Loader = async () => {
  const train = MNIST.sample({ split: 'train' });
  const test = MNIST.sample({ split: 'test' });
  return { train, test, classes: MNIST.classes, source: describe('MNIST sample', train, test, 'shipped with @tessera/datasets'), note: null };
};

const LOADERS: Readonly<Record<string, Loader>> = {
  mnist: async (o) => {
    try {
      const opts = { download: !o.offline, dataDir: o.dataDir };
      const train = await MNIST.load({ ...opts, split: 'train' });
      const test = await MNIST.load({ ...opts, split: 'test' });
      return { train, test, classes: MNIST.classes, source: describe('MNIST (full)', train, test, 'from the dataset cache'), note: null };
    } catch (e) {
      const s = await sample(o);
      const why = (e as Error).message.split('\n')[0];
      return {
        ...s,
        note: `full MNIST is not available (${why}); using the bundled real sample of 10,000 digits instead. Get the full set with network access (it downloads into the cache, or TESSERA_DATA_DIR) or place the four MNIST .gz files there.`,
      };
    }
  },
  'mnist-sample': sample,
  'fashion-mnist': async (o) => {
    const root = existsSync(DEBIAN_FASHION) ? DEBIAN_FASHION : undefined;
    const opts = { root, download: !o.offline, dataDir: o.dataDir };
    const train = await FashionMNIST.load({ ...opts, split: 'train' });
    const test = await FashionMNIST.load({ ...opts, split: 'test' });
    return { train, test, classes: FashionMNIST.classes, source: describe('Fashion-MNIST', train, test, root ? `from ${root}` : 'from the dataset cache'), note: null };
  },
  cifar10: async (o) => {
    const opts = { download: !o.offline, dataDir: o.dataDir };
    const train = await CIFAR10.load({ ...opts, split: 'train' });
    const test = await CIFAR10.load({ ...opts, split: 'test' });
    return { train, test, classes: CIFAR10.classes, source: describe('CIFAR-10', train, test, 'from the dataset cache'), note: null };
  },
};

/** Image shape `[C, H, W]` of each dataset, known before loading (to reject a mismatched model early). */
export const DATASET_SHAPES: Readonly<Record<string, readonly [number, number, number]>> = {
  mnist: [1, 28, 28],
  'mnist-sample': [1, 28, 28],
  'fashion-mnist': [1, 28, 28],
  cifar10: [3, 32, 32],
};

/** Names `--dataset` accepts. */
export function datasetNames(): string[] {
  return Object.keys(LOADERS);
}

/** Loads a dataset by name (both splits); unknown names list the valid ones. */
export async function loadDataset(name: string, o: DataOptions): Promise<LoadedData> {
  const load = LOADERS[name];
  if (!load) throw new CliError(`unknown dataset '${name}'; valid datasets: ${datasetNames().join(', ')}.`);
  try {
    return await load(o);
  } catch (e) {
    if (e instanceof DataError && o.offline) throw new DataError(`${e.message} (Without --offline, tessera downloads it.)`);
    throw e;
  }
}

/** Per-channel mean and standard deviation of uint8 images `[N, C, H, W]`, in [0, 1] units. */
export function channelStats(d: ImageDataset): { mean: number[]; std: number[] } {
  const [n, c, h, w] = d.shape;
  const plane = h * w;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const base = (i * c + ch) * plane;
      for (let p = 0; p < plane; p++) {
        const v = d.images[base + p] / 255;
        s += v;
        s2 += v * v;
      }
    }
    const m = s / (n * plane);
    mean.push(m);
    std.push(Math.sqrt(Math.max(s2 / (n * plane) - m * m, 1e-12)));
  }
  return { mean, std };
}
