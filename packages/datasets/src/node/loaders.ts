import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cifar10BatchNames,
  cifar10Dataset,
  cifar10FromTar,
  FASHION_MNIST_CLASSES,
  idxImageDataset,
  MNIST_CLASSES,
  type IdxImageDataset,
} from '../assemble.js';
import { CIFAR10_CLASSES } from '../cifar.js';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES } from '../cifar100-classes.js';
import { checkCifar100Label, CIFAR100_FOLDER, cifar100Dataset, cifar100FileName, cifar100FromTar, type Cifar100Dataset, type Cifar100Label } from '../cifar100-dataset.js';
import { IDX_LIMITS } from '../idx.js';
import type { ImageDataset } from '../image-dataset.js';
import { CIFAR10_ARCHIVE, CIFAR10_SOURCE, CIFAR100_ARCHIVE, CIFAR100_SOURCE, checkSplit, FASHION_MNIST_SOURCE, IDX_SPLIT_FILES, MNIST_SOURCE, type DatasetSource, type Split } from '../resources.js';
import { datasetCacheDir } from './cache.js';
import { readDataFile } from './files.js';
import { resolveFiles, type LoadOptions } from './resolve.js';
import { mnistSample } from './sample.js';

async function loadIdx(source: DatasetSource, classes: readonly string[], opts: LoadOptions): Promise<IdxImageDataset> {
  const split = checkSplit(opts.split ?? 'train', `${source.title}.load`);
  const wanted = IDX_SPLIT_FILES[split].map((base) => ({ name: `${base}.gz`, rootNames: [base, `${base}.gz`] }));
  const [img, lbl] = await resolveFiles(source, wanted, opts);
  const limits = { ...IDX_LIMITS, maxBytes: opts.maxInflatedBytes };
  return idxImageDataset(source.title, classes, split, { bytes: readDataFile(img, limits), file: img }, { bytes: readDataFile(lbl, limits), file: lbl });
}

/** A directory among `dirs` holding every batch file of `split` (already extracted). */
function extractedCifarDir(dirs: readonly string[], split: Split): string | undefined {
  const names = cifar10BatchNames(split);
  return dirs.flatMap((d) => [d, join(d, 'cifar-10-batches-bin')]).find((d) => names.every((n) => existsSync(join(d, n))));
}

/** MNIST handwritten digits (LeCun et al.): 60,000 train and 10,000 test images of 28×28. */
export const MNIST = {
  classes: MNIST_CLASSES,
  source: MNIST_SOURCE,
  /**
   * Loads a split as `[N, 1, 28, 28]` uint8 images and int32 labels, from `root`, the
   * cache, or (with `download: true`) the mirrors, verified and cached.
   */
  load(opts: LoadOptions = {}): Promise<IdxImageDataset> {
    return loadIdx(MNIST_SOURCE, MNIST_CLASSES, opts);
  },
  /** 10,000 real digits shipped in this package, offline: a fixed 8,000/2,000 split. */
  sample: mnistSample,
} as const;

/** Zalando's Fashion-MNIST (same file format and names as MNIST). */
export const FashionMNIST = {
  classes: FASHION_MNIST_CLASSES,
  source: FASHION_MNIST_SOURCE,
  /** Loads a split (`[N, 1, 28, 28]` uint8, int32 labels) from `root`, the cache, or the mirrors. */
  load(opts: LoadOptions = {}): Promise<IdxImageDataset> {
    return loadIdx(FASHION_MNIST_SOURCE, FASHION_MNIST_CLASSES, opts);
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
    const split = checkSplit(opts.split ?? 'train', 'CIFAR10.load');
    const cache = datasetCacheDir(CIFAR10_SOURCE, opts.dataDir);
    const dirs = opts.root ? [resolve(opts.root), cache] : [cache];
    const extracted = extractedCifarDir(dirs, split);
    if (extracted) {
      const read = (n: string) => ({ bytes: readDataFile(join(extracted, n), { maxBytes: opts.maxInflatedBytes }), file: join(extracted, n) });
      return cifar10Dataset(cifar10BatchNames(split).map(read));
    }
    const [archive] = await resolveFiles(CIFAR10_SOURCE, [{ name: CIFAR10_ARCHIVE, rootNames: [CIFAR10_ARCHIVE] }], opts);
    return cifar10FromTar(readDataFile(archive, { maxBytes: opts.maxInflatedBytes }), archive, split);
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
    const label = checkCifar100Label(opts.label ?? 'fine', 'CIFAR100.load');
    const cache = datasetCacheDir(CIFAR100_SOURCE, opts.dataDir);
    const name = cifar100FileName(split);
    const extracted = (opts.root ? [resolve(opts.root), cache] : [cache])
      .flatMap((d) => [join(d, name), join(d, CIFAR100_FOLDER, name)])
      .find((p) => existsSync(p));
    if (extracted) return cifar100Dataset({ bytes: readDataFile(extracted, { maxBytes: opts.maxInflatedBytes }), file: extracted }, label);
    const [archive] = await resolveFiles(CIFAR100_SOURCE, [{ name: CIFAR100_ARCHIVE, rootNames: [CIFAR100_ARCHIVE] }], opts);
    return cifar100FromTar(readDataFile(archive, { maxBytes: opts.maxInflatedBytes }), archive, split, label);
  },
} as const;
