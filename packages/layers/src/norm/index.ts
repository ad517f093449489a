/** Normalisation layers: BatchNorm1d/2d, LayerNorm, RMSNorm, GroupNorm, InstanceNorm1d/2d, LocalResponseNorm (PyTorch semantics). */
export { BatchNormBase, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { LocalResponseNorm, type LocalResponseNormOptions } from './lrn.js';
export type { LayerDTypeOptions } from './config.js';
export { RMSNorm, type RMSNormOptions } from './rmsnorm.js';
export { GroupNorm, type GroupNormOptions } from './groupnorm.js';
export { InstanceNormBase, InstanceNorm1d, InstanceNorm2d, type InstanceNormOptions } from './instancenorm.js';
