import { DataError, nextKey, tensor, uniformAt, type Tensor } from '@tessera/core';

/** A function from an image batch `[B, C, H, W]` to an image batch. */
export type ImageTransform = (x: Tensor) => Tensor;

/** A value, or a `[low, high]` range drawn uniformly per image. */
export type Range = number | readonly [number, number];

/** @internal checks that `x` is a float image batch */
export function checkImages(x: Tensor, op: string): void {
  if (x.rank !== 4) throw new DataError(`${op}: expects images [B, C, H, W] (got rank ${x.rank}).`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new DataError(`${op}: expects float images (got ${x.dtype}); apply toFloat first.`);
}

/**
 * @internal One draw of the seeded generator for a whole batch: `u(i)` is the i-th uniform
 * in [0, 1) of this draw. Each random transform takes one key per call, so `manualSeed`
 * makes a pipeline reproducible.
 */
export function draws(): (i: number) => number {
  const [k0, k1] = nextKey();
  return (i) => uniformAt(k0, k1, i);
}

/** @internal `[low, high]` of a Range, checked */
export function bounds(r: Range, op: string, what: string, min = -Infinity): [number, number] {
  const [lo, hi] = typeof r === 'number' ? [r, r] : r;
  if (!(lo <= hi) || lo < min)
    throw new DataError(
      `${op}: ${what} must be a number or [low, high] with ${min === -Infinity ? '' : `${min} ≤ `}low ≤ high (got ${JSON.stringify(r)}).`,
    );
  return [lo, hi];
}

/** @internal a `[B, …1]` float tensor of per-image values, on x's backend */
export function perImage(x: Tensor, values: Float32Array, channels = 1): Tensor {
  return tensor(values, { shape: [x.shape[0], channels, 1, 1], dtype: x.dtype, backend: x.backend });
}

/** @internal the i-th image is affected (probability p) */
export function chosen(u: (i: number) => number, i: number, p: number, op: string): boolean {
  if (!(p >= 0 && p <= 1)) throw new DataError(`${op}: p must be in [0, 1] (got ${p}).`);
  return u(i) < p;
}
