/**
 * @packageDocumentation
 * Tessera datasets: the Data API (`Dataset`, `TensorDataset`, `subset`, `randomSplit`,
 * `DataLoader`), transforms, file-format parsers that work on bytes (IDX, CIFAR-10, CIFAR-100, tar,
 * gzip via `DecompressionStream`) and `fetchDataset` with verified downloads; text: `Vocab`, padding
 * and masks, sequence datasets, CMUdict and name-list parsers, seeded splits by key. This entry
 * point runs in browsers; loaders that read and cache files are in `@tessera/datasets/node`.
 */
export * from './dataset.js';
export * from './stratified.js';
export * from './tensor-dataset.js';
export * from './image-dataset.js';
export * from './loader.js';
export * from './idx.js';
export * from './cifar.js';
export * from './cifar100-classes.js';
export {
  Cifar100Dataset,
  CIFAR100_FOLDER,
  cifar100Dataset,
  cifar100FileName,
  cifar100FromTar,
  type Cifar100Label,
} from './cifar100-dataset.js';
export * from './tar.js';
export * from './gzip.js';
export {
  CIFAR10_ARCHIVE,
  CIFAR10_SOURCE,
  CIFAR100_ARCHIVE,
  CIFAR100_SOURCE,
  FASHION_MNIST_SOURCE,
  IDX_SPLIT_FILES,
  MNIST_SOURCE,
  mirrorUrl,
  type DatasetSource,
  type FileChecksum,
  type Split,
} from './resources.js';
export * from './assemble.js';
export { checksumMismatch, formatBytes, type Digests, type DownloadProgress } from './mirrors.js';
export * from './fetch.js';
export {
  registerDataset,
  datasetNames,
  datasetDescriptor,
  datasetDescriptors,
  imageDatasetDescriptor,
  textDatasetDescriptor,
  isTextDataset,
  datasetTask,
  DATASET_TASKS,
  type DatasetTask,
  type TextDatasetDescriptor,
  type TextDatasetFile,
  type TextExample,
  type AnyDatasetDescriptor,
  type DatasetDescriptor,
  type DatasetFiles,
  type DatasetFallback,
  type DatasetReadOptions,
  type FileRequest,
  type ImageShape,
} from './dataset-registry.js';
export { readIdxSplit } from './catalog/idx.js';
export { readCifar10Split, readCifar100Split } from './catalog/cifar.js';
export * from './sample-files.js';
export * from './transforms.js';
export { resizeArea, resizeCenterCrop, resizeImage } from './resize.js';
export * from './image-header.js';
export * from './pixels.js';
export * from './from-pixels.js';
export * from './image-folder-files.js';
export * from './text/index.js';
