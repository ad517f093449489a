import { DataError, randn, tidy, type Tensor } from '@tessera/core';
import { checkImages } from './common.js';

/** Options of `gaussianNoise`. */
export interface GaussianNoiseOptions {
  /** Standard deviation of the noise. Default 0.1. */
  readonly std?: number;
  /** Mean of the noise. Default 0. */
  readonly mean?: number;
  /** Clip the result to [min, max] (default [0, 1]; `false` to leave it). */
  readonly clamp?: readonly [number, number] | false;
}

/**
 * Adds seeded Gaussian noise (torchvision v2 `GaussianNoise`), the input corruption of a
 * denoising autoencoder:
 * `transform: ({ x, y }) => ({ x: gaussianNoise(x, { std: 0.3 }), y: x })`.
 */
export function gaussianNoise(x: Tensor, opts: GaussianNoiseOptions = {}): Tensor {
  checkImages(x, 'gaussianNoise');
  const std = opts.std ?? 0.1;
  const mean = opts.mean ?? 0;
  if (!(std >= 0)) throw new DataError(`gaussianNoise: std must be non-negative (got ${std}).`);
  const clamp = opts.clamp ?? [0, 1];
  return tidy(() => {
    const y = x.add(randn(x.shape, { dtype: x.dtype, backend: x.backend }).mul(std).add(mean));
    return clamp ? y.clip(clamp[0], clamp[1]) : y;
  });
}
