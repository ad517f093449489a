import { type IdxImageDataset, idxImageDataset } from '../assemble.js';
import type { DatasetFiles } from '../dataset-registry.js';
import { IDX_LIMITS } from '../idx.js';
import { IDX_SPLIT_FILES, type Split } from '../resources.js';

/**
 * Reads a split of an MNIST-format dataset (gzipped IDX images and labels under MNIST's
 * file names) from `files`: the reader shared by every IDX descriptor.
 */
export async function readIdxSplit(title: string, classes: readonly string[], split: Split, files: DatasetFiles): Promise<IdxImageDataset> {
  const [images, labels] = await files.read(
    IDX_SPLIT_FILES[split].map((base) => ({ name: `${base}.gz`, localNames: [base], limits: IDX_LIMITS })),
  );
  return idxImageDataset(title, classes, split, images, labels);
}
