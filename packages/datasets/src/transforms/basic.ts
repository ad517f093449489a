import { DataError, cast, tensor, tidy, type Tensor } from '@tessera/core';
import { checkImages, type ImageTransform } from './common.js';

/**
 * Chains image transforms left to right (torchvision `Compose`):
 * `compose(x => randomCrop(x, 4), randomHorizontalFlip)`.
 */
export function compose(...fns: readonly ImageTransform[]): ImageTransform {
  return (x) => fns.reduce((acc, f) => f(acc), x);
}

/**
 * A `DataLoader` transform that applies image transforms to `batch.x` and leaves the rest:
 * `new DataLoader(ds, { transform: onImages(x => randomCrop(x, 4), randomHorizontalFlip) })`.
 */
export function onImages(...fns: readonly ImageTransform[]): <B extends { readonly x: Tensor }>(batch: B) => B {
  const f = compose(...fns);
  return <B extends { readonly x: Tensor }>(batch: B): B => ({ ...batch, x: f(batch.x) });
}

/**
 * Casts to float32 and multiplies by `scale` (default 1/255: bytes to [0, 1]). Batches from
 * `ImageDataset` are already float32 in [0, 1]; use this for integer tensors of your own.
 */
export function toFloat(x: Tensor, scale = 1 / 255): Tensor {
  return tidy(() => cast(x, 'float32').mul(scale));
}

/** `(x − mean[c]) / std[c]` per channel (e.g. MNIST: `normalize(x, [0.1307], [0.3081])`). */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  checkImages(x, 'normalize');
  const c = x.shape[1];
  if (mean.length !== c || std.length !== c) {
    throw new DataError(`normalize: images have ${c} channel(s) but mean has ${mean.length} and std ${std.length} values.`);
  }
  if (std.some((s) => !(s > 0))) throw new DataError(`normalize: std must be positive (got [${std.join(', ')}]).`);
  return tidy(() => {
    const m = tensor(Float32Array.from(mean), { shape: [1, c, 1, 1], dtype: x.dtype, backend: x.backend });
    const s = tensor(Float32Array.from(std), { shape: [1, c, 1, 1], dtype: x.dtype, backend: x.backend });
    return x.sub(m).div(s);
  });
}
