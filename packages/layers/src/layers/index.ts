/**
 * The basic layers: dense, convolutional, locally connected, pooling, reshaping, noise,
 * embedding and merge layers, with PyTorch's names, layouts and default initialisation.
 */
export type { LayerOptions, SizeArg } from './common.js';
export { Linear, type LinearOptions, type WeightedLayer } from './linear.js';
export { Conv1d, Conv2d, type ConvOptions } from './conv.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose.js';
export { LocallyConnected1d, LocallyConnected2d, type LocallyConnectedOptions } from './locally-connected.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, type PoolOptions, type AvgPoolOptions } from './pooling.js';
export { AdaptiveAvgPool2d, GlobalAvgPool, adaptiveWindows, type AdaptiveSize } from './adaptive.js';
export { Flatten, Reshape } from './reshape.js';
export { Dropout, GaussianNoise, DropConnect } from './noise.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Add, Concat } from './merge.js';
export { SwiGLU, type SwiGLUOptions } from './swiglu.js';
