/**
 * @packageDocumentation
 * Node-only loaders (`@tessera/datasets/node`): MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 from a
 * directory, the cache or verified downloads; the offline MNIST sample
 * that ships in the package; `ImageFolder` (PNG/JPEG folders and manifests); files read raw
 * or gzip (zlib). Re-exports everything of the browser entry.
 */
export * from './index.js';
export { defaultDataDir, datasetCacheDir } from './node/cache.js';
export { downloadFile, type DownloadFileOptions, type DownloadOptions } from './node/download.js';
export { readDataFile } from './node/files.js';
export { progressBar, type ProgressSink } from './node/progress.js';
export type { LoadOptions } from './node/resolve.js';
export { CIFAR10, CIFAR100, FashionMNIST, MNIST, type Cifar100LoadOptions } from './node/loaders.js';
export { loadDataset, type LoadDatasetOptions } from './node/load-dataset.js';
export { nodeDatasetFiles } from './node/dataset-files.js';
export { ImageFolder, IMAGE_EXTENSIONS, type ImageFolderExample, type ImageFolderOptions, type ImageSample } from './node/image-folder.js';
export { decodeImage, decodeImageFile, maxImagePixels, type RgbaImage } from './node/decode.js';
export {
  loadCmudict,
  loadFirstNames,
  loadTextDataset,
  textDataFile,
  type LoadTextDatasetOptions,
  TEXT_DATA_PACKAGES,
  type LoadCmudictOptions,
  type LoadNamesOptions,
} from './node/text.js';
