/** Normalisation layers: BatchNorm1d/2d, LayerNorm, LocalResponseNorm (PyTorch semantics). */
export { BatchNormBase, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { LocalResponseNorm, type LocalResponseNormOptions } from './lrn.js';
export type { LayerDTypeOptions } from './config.js';
