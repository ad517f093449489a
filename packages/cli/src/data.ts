import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DatasetDescriptor, datasetNames as registeredDatasets, type ImageDataset, imageDatasetDescriptor } from '@tessera/datasets';
import { loadDataset as loadNamed } from '@tessera/datasets/node';
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

const count = (d: ImageDataset): string => d.length.toLocaleString('en-US');

/** Where the files came from, for the user: the directory of the first one, or the package that ships it. */
function origin(d: DatasetDescriptor, paths: readonly string[]): string {
  if (paths.length === 0) return `from ${d.package ?? 'its package'}`;
  const dir = dirname(paths[0]);
  if (d.source.mirrors.some((m) => m.startsWith('file:') && resolve(fileURLToPath(m)) === resolve(dir)))
    return `shipped with ${d.package ?? 'its package'}`;
  return `from ${dir}`;
}

async function load(d: DatasetDescriptor, o: DataOptions): Promise<LoadedData> {
  const paths: string[] = [];
  const opts = { download: !o.offline, dataDir: o.dataDir, onFile: (p: string) => paths.push(p) };
  const train = await loadNamed(d.name, { ...opts, split: 'train' });
  const test = await loadNamed(d.name, { ...opts, split: 'test' });
  const classes = train.classes.length > 0 ? train.classes : d.classes;
  return { train, test, classes, source: `${d.title} (${count(train)} train / ${count(test)} test) ${origin(d, paths)}`, note: null };
}

/** Image shape `[C, H, W]` of a registered dataset, known before loading (to reject a mismatched model early). */
export function datasetShape(name: string): readonly [number, number, number] {
  return descriptorOf(name).inputShape;
}

function descriptorOf(name: string): DatasetDescriptor {
  if (!datasetNames().includes(name)) {
    const text = registeredDatasets().includes(name)
      ? ` ('${name}' is a text corpus: train a text model on it, tessera train --model … --dataset ${name})`
      : '';
    throw new CliError(`unknown image dataset '${name}'${text}; valid datasets: ${datasetNames().join(', ')}.`);
  }
  return imageDatasetDescriptor(name);
}

/** Names of the image datasets (`registerDataset` of @tessera/datasets without a text task): what `--dataset` accepts for image models. */
export function datasetNames(): string[] {
  return registeredDatasets('image-classification');
}

/** Every registered dataset name, image and text. */
export function allDatasetNames(): string[] {
  return registeredDatasets();
}

/**
 * Loads a registered dataset by name (both splits); unknown names list the valid ones. A
 * dataset that cannot be loaded and names a fallback (full MNIST → the bundled sample)
 * loads that instead, with a note saying why.
 */
export async function loadDataset(name: string, o: DataOptions): Promise<LoadedData> {
  const d = descriptorOf(name);
  try {
    return await load(d, o);
  } catch (e) {
    if (d.fallback) {
      const why = (e as Error).message.split('\n')[0];
      const s = await load(imageDatasetDescriptor(d.fallback.name), o);
      return { ...s, note: `full ${d.title} is not available (${why}); ${d.fallback.note}` };
    }
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
