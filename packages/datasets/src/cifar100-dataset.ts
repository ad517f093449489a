import { DataError } from '@tessera/core';
import type { NamedBytes } from './assemble.js';
import { parseCifar100 } from './cifar.js';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES } from './cifar100-classes.js';
import { ImageDataset } from './image-dataset.js';
import type { Split } from './resources.js';
import { parseTar } from './tar.js';

/** Which CIFAR-100 label a dataset trains on: the 100 fine classes or the 20 coarse superclasses. */
export type Cifar100Label = 'fine' | 'coarse';

/** The folder inside `cifar-100-binary.tar.gz` that holds `train.bin` and `test.bin`. */
export const CIFAR100_FOLDER = 'cifar-100-binary';

/** The file of a CIFAR-100 split. */
export function cifar100FileName(split: Split): string {
  return split === 'train' ? 'train.bin' : 'test.bin';
}

/** @internal validates the label option */
export function checkCifar100Label(label: unknown, where: string): Cifar100Label {
  if (label === 'fine' || label === 'coarse') return label;
  throw new DataError(`${where}: label must be 'fine' (100 classes) or 'coarse' (20 superclasses) (got '${String(label)}').`);
}

/**
 * CIFAR-100 as `[N, 3, 32, 32]` bytes: `labels` (and `classes`) are the fine or the coarse
 * ones as chosen; both label sets stay available as `fine` and `coarse`.
 */
export class Cifar100Dataset extends ImageDataset {
  constructor(
    images: Uint8Array,
    /** Fine labels (0..99), index into `CIFAR100_FINE_CLASSES`. */
    readonly fine: Int32Array,
    /** Coarse labels (0..19), index into `CIFAR100_COARSE_CLASSES`. */
    readonly coarse: Int32Array,
    /** Which of the two `labels` is. */
    readonly label: Cifar100Label,
  ) {
    super(images, label === 'fine' ? fine : coarse, [3, 32, 32], label === 'fine' ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES);
  }
}

/** Builds a CIFAR-100 dataset from a split file's bytes (`train.bin` or `test.bin`). */
export function cifar100Dataset(file: NamedBytes, label: Cifar100Label): Cifar100Dataset {
  const { images, fine, coarse } = parseCifar100(file.bytes, file.file);
  return new Cifar100Dataset(images, fine, coarse, label);
}

/**
 * Reads a split from the (decompressed) `cifar-100-binary.tar.gz` archive, whose files sit
 * in `cifar-100-binary/`.
 */
export function cifar100FromTar(tar: Uint8Array, file: string, split: Split, label: Cifar100Label): Cifar100Dataset {
  const name = cifar100FileName(split);
  const bytes = parseTar(tar, file).get(`${CIFAR100_FOLDER}/${name}`);
  if (!bytes) {
    throw new DataError(
      `${file}: has no ${CIFAR100_FOLDER}/${name}; this is not the CIFAR-100 binary archive (cifar-100-binary.tar.gz): fetch that one.`,
    );
  }
  return cifar100Dataset({ bytes, file: `${file}:${CIFAR100_FOLDER}/${name}` }, label);
}
