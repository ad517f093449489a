/**
 * Batch transforms for images `[B, C, H, W]` (float, usually in [0, 1]). Random ones draw
 * one key from the global generator per call, so `manualSeed` makes them reproducible, and
 * each treats the whole batch in a few tensor ops (per-image parameters, one pass). Use
 * them through `DataLoader`'s `transform` option (e.g. with `onImages`), which runs them
 * inside `tidy`.
 */
export { compose, normalize, onImages, toFloat } from './transforms/basic.js';
export type { ImageTransform, Range } from './transforms/common.js';
export {
  randomAffine,
  randomCrop,
  randomHorizontalFlip,
  randomRotation,
  randomScale,
  randomShift,
  randomVerticalFlip,
  type AffineOptions,
} from './transforms/geometric.js';
export type { Interpolation } from './transforms/warp.js';
export { colorJitter, type ColorJitterOptions } from './transforms/color.js';
export { gaussianBlur, sharpen, type GaussianBlurOptions, type SharpenOptions } from './transforms/filter.js';
export { gaussianNoise, type GaussianNoiseOptions } from './transforms/noise.js';
