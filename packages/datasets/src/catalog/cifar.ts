import { cifar10BatchNames, cifar10Dataset, cifar10FromTar } from '../assemble.js';
import {
  CIFAR100_FOLDER,
  type Cifar100Dataset,
  type Cifar100Label,
  cifar100Dataset,
  cifar100FileName,
  cifar100FromTar,
} from '../cifar100-dataset.js';
import type { DatasetFiles } from '../dataset-registry.js';
import type { ImageDataset } from '../image-dataset.js';
import { CIFAR10_ARCHIVE, CIFAR100_ARCHIVE, type Split } from '../resources.js';

/**
 * Reads a CIFAR-10 split: the extracted batch files when they are all on disk (in `root`
 * or `root/cifar-10-batches-bin`, or the cache), else the binary archive, read without
 * extracting.
 */
export async function readCifar10Split(split: Split, files: DatasetFiles): Promise<ImageDataset> {
  const batches = await Promise.all(cifar10BatchNames(split).map((n) => files.local([n, `cifar-10-batches-bin/${n}`])));
  if (batches.every((b) => b !== undefined)) return cifar10Dataset(batches);
  const [archive] = await files.read([{ name: CIFAR10_ARCHIVE }]);
  return cifar10FromTar(archive.bytes, archive.file, split);
}

/**
 * Reads a CIFAR-100 split with fine or coarse labels: the extracted `train.bin` /
 * `test.bin` when on disk (in `root` or `root/cifar-100-binary`, or the cache), else the
 * binary archive, read without extracting.
 */
export async function readCifar100Split(split: Split, files: DatasetFiles, label: Cifar100Label): Promise<Cifar100Dataset> {
  const name = cifar100FileName(split);
  const extracted = await files.local([name, `${CIFAR100_FOLDER}/${name}`]);
  if (extracted) return cifar100Dataset(extracted, label);
  const [archive] = await files.read([{ name: CIFAR100_ARCHIVE }]);
  return cifar100FromTar(archive.bytes, archive.file, split, label);
}
