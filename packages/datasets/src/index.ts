/**
 * @packageDocumentation
 * Tessera datasets: the Data API (`Dataset`, `TensorDataset`, `subset`, `randomSplit`,
 * `DataLoader`) and file-format parsers that work on bytes (IDX, CIFAR-10). This entry
 * point runs in browsers; loaders that read files are in `@tessera/datasets/node`.
 */
export * from './dataset.js';
export * from './tensor-dataset.js';
export * from './image-dataset.js';
export * from './loader.js';
export * from './idx.js';
export * from './cifar.js';
export * from './transforms.js';
