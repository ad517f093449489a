import { imageDatasetDescriptor, type DatasetReadOptions } from '../dataset-registry.js';
import type { ImageDataset } from '../image-dataset.js';
import { checkSplit } from '../resources.js';
import { nodeDatasetFiles } from './dataset-files.js';
import type { LoadOptions } from './resolve.js';

/** Options of `loadDataset`: those of every loader, dataset-specific ones (CIFAR-100: `label`), and a file hook. */
export interface LoadDatasetOptions extends LoadOptions {
  /** CIFAR-100 only: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  readonly label?: 'fine' | 'coarse';
  /** Hears the path of each file read (to tell the user where the data came from). */
  readonly onFile?: (path: string) => void;
}

/**
 * Loads a split of any registered dataset (see `registerDataset`) in Node: from `root`,
 * files shipped in a package, the cache, or (with `download: true`) its mirrors, verified
 * and cached. `await loadDataset('fashion-mnist', { split: 'test', download: true })`.
 */
export function loadDataset(name: string, opts: LoadDatasetOptions = {}): Promise<ImageDataset> {
  const d = imageDatasetDescriptor(name);
  const split = checkSplit(opts.split ?? 'train', `loadDataset('${d.name}')`);
  const extra: DatasetReadOptions = opts.label === undefined ? {} : { label: opts.label };
  return d.read(split, nodeDatasetFiles(d, opts, opts.onFile), extra);
}
