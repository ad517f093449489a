import { FASHION_MNIST_CLASSES, MNIST_CLASSES, type IdxImageDataset } from '../assemble.js';
import { readCifar10Split, readCifar100Split } from '../catalog/cifar.js';
import { readIdxSplit } from '../catalog/idx.js';
import { CIFAR10_CLASSES } from '../cifar.js';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES } from '../cifar100-classes.js';
import { checkCifar100Label, type Cifar100Dataset, type Cifar100Label } from '../cifar100-dataset.js';
import { imageDatasetDescriptor } from '../dataset-registry.js';
import type { ImageDataset } from '../image-dataset.js';
import { CIFAR10_SOURCE, CIFAR100_SOURCE, checkSplit, FASHION_MNIST_SOURCE, MNIST_SOURCE } from '../resources.js';
import { nodeDatasetFiles } from './dataset-files.js';
import type { LoadOptions } from './resolve.js';
import { mnistSample } from './sample.js';

/*
 * The named loaders of the built-in datasets, kept for their typed results: each reads
 * through its registered descriptor (see ../catalog/builtin.ts), as `loadDataset` does.
 */

/** The Node files of a registered dataset (root, shipped files, cache, download); these loaders look only where told (no `localDirs`). */
const filesOf = (name: string, opts: LoadOptions) => nodeDatasetFiles(imageDatasetDescriptor(name), opts, undefined, false);

/** MNIST handwritten digits (LeCun et al.): 60,000 train and 10,000 test images of 28×28. */
export const MNIST = {
  classes: MNIST_CLASSES,
  source: MNIST_SOURCE,
  /**
   * Loads a split as `[N, 1, 28, 28]` uint8 images and int32 labels, from `root`, the
   * cache, or (with `download: true`) the mirrors, verified and cached.
   */
  async load(opts: LoadOptions = {}): Promise<IdxImageDataset> {
    return readIdxSplit('MNIST', MNIST_CLASSES, checkSplit(opts.split ?? 'train', 'MNIST.load'), filesOf('mnist', opts));
  },
  /** 10,000 real digits shipped in this package, offline: a fixed 8,000/2,000 split. */
  sample: mnistSample,
} as const;

/** Zalando's Fashion-MNIST (same file format and names as MNIST). */
export const FashionMNIST = {
  classes: FASHION_MNIST_CLASSES,
  source: FASHION_MNIST_SOURCE,
  /** Loads a split (`[N, 1, 28, 28]` uint8, int32 labels) from `root`, the cache, or the mirrors. */
  async load(opts: LoadOptions = {}): Promise<IdxImageDataset> {
    return readIdxSplit(
      'Fashion-MNIST',
      FASHION_MNIST_CLASSES,
      checkSplit(opts.split ?? 'train', 'Fashion-MNIST.load'),
      filesOf('fashion-mnist', opts),
    );
  },
} as const;

/** CIFAR-10, binary version: 50,000 train and 10,000 test colour images of 32×32. */
export const CIFAR10 = {
  classes: CIFAR10_CLASSES,
  source: CIFAR10_SOURCE,
  /**
   * Loads a split as `[N, 3, 32, 32]` uint8 and int32 labels. Looks for extracted batches
   * (`data_batch_1..5.bin`, `test_batch.bin`, in `root` or `root/cifar-10-batches-bin`),
   * then `cifar-10-binary.tar.gz` in `root`, then the same in the cache, then downloads
   * the archive into the cache (with `download: true`) and reads it without extracting.
   */
  async load(opts: LoadOptions = {}): Promise<ImageDataset> {
    return readCifar10Split(checkSplit(opts.split ?? 'train', 'CIFAR10.load'), filesOf('cifar10', opts));
  },
} as const;

/** Options of `CIFAR100.load`: those of every loader, and which label to train on. */
export interface Cifar100LoadOptions extends LoadOptions {
  /** 'fine' (100 classes, default) or 'coarse' (20 superclasses); both stay on the dataset as `fine` and `coarse`. */
  readonly label?: Cifar100Label;
}

/** CIFAR-100, binary version: 50,000 train and 10,000 test colour images of 32×32, 100 fine / 20 coarse classes. */
export const CIFAR100 = {
  fineClasses: CIFAR100_FINE_CLASSES,
  coarseClasses: CIFAR100_COARSE_CLASSES,
  source: CIFAR100_SOURCE,
  /**
   * Loads a split as `[N, 3, 32, 32]` uint8 and int32 labels (fine or coarse). Looks for
   * the extracted `train.bin` / `test.bin` (in `root` or `root/cifar-100-binary`), then
   * `cifar-100-binary.tar.gz` in `root`, then the same in the cache, then downloads the
   * archive into the cache (with `download: true`, checked against its published size,
   * SHA-256 and MD5) and reads it without extracting.
   */
  async load(opts: Cifar100LoadOptions = {}): Promise<Cifar100Dataset> {
    const split = checkSplit(opts.split ?? 'train', 'CIFAR100.load');
    return readCifar100Split(split, filesOf('cifar100', opts), checkCifar100Label(opts.label ?? 'fine', 'CIFAR100.load'));
  },
} as const;
