import { DataError, flip, tensor, tidy, where, type Tensor } from '@tessera/core';
import { bounds, checkImages, draws, type Range } from './common.js';
import { warp, type Interpolation } from './warp.js';

function randomFlip(x: Tensor, p: number, axis: 2 | 3, op: string): Tensor {
  checkImages(x, op);
  if (!(p >= 0 && p <= 1)) throw new DataError(`${op}: p must be in [0, 1] (got ${p}).`);
  const b = x.shape[0];
  const u = draws();
  const mask = new Uint8Array(b);
  for (let i = 0; i < b; i++) mask[i] = u(i) < p ? 1 : 0;
  return tidy(() => {
    const m = tensor(mask, { shape: [b, 1, 1, 1], dtype: 'bool', backend: x.backend });
    return where(m, flip(x, axis), x);
  });
}

/** Flips each image left–right with probability `p` (default 0.5). */
export function randomHorizontalFlip(x: Tensor, p = 0.5): Tensor {
  return randomFlip(x, p, 3, 'randomHorizontalFlip');
}

/** Flips each image upside down with probability `p` (default 0.5). */
export function randomVerticalFlip(x: Tensor, p = 0.5): Tensor {
  return randomFlip(x, p, 2, 'randomVerticalFlip');
}

/** Integer translation maps: image i reads from (x − dx, y − dy). */
function shiftMaps(b: number, shift: (i: number) => [number, number]): Float64Array {
  const maps = new Float64Array(6 * b);
  for (let i = 0; i < b; i++) {
    const [dx, dy] = shift(i);
    maps.set([1, 0, -dx, 0, 1, -dy], 6 * i);
  }
  return maps;
}

/**
 * Pads each image by `padding` (value `fill`, default 0) on every side, then crops a
 * random `size` window (default: the original H×W), independently per image
 * (torchvision `RandomCrop(size, padding)`). One gather for the whole batch.
 */
export function randomCrop(x: Tensor, padding: number, size?: readonly [number, number], fill = 0): Tensor {
  checkImages(x, 'randomCrop');
  const [b, , h, w] = x.shape;
  const [oh, ow] = size ?? [h, w];
  if (!Number.isInteger(padding) || padding < 0)
    throw new DataError(`randomCrop: padding must be a non-negative integer (got ${padding}).`);
  if (oh > h + 2 * padding || ow > w + 2 * padding) {
    throw new DataError(`randomCrop: a ${oh}×${ow} crop does not fit ${h}×${w} images padded by ${padding}.`);
  }
  const u = draws();
  const maps = shiftMaps(b, (i) => [
    padding - Math.floor(u(2 * i + 1) * (w + 2 * padding - ow + 1)),
    padding - Math.floor(u(2 * i) * (h + 2 * padding - oh + 1)),
  ]);
  return warp(x, maps, oh, ow, 'nearest', fill);
}

/**
 * Shifts each image by a random whole number of pixels in [−maxShift, maxShift] on each
 * axis (Keras `width_shift_range`/`height_shift_range` in pixels); uncovered pixels get
 * `fill` (default 0). The classic MNIST augmentation: `randomShift(x, 2)`.
 */
export function randomShift(x: Tensor, maxShift: number, fill = 0): Tensor {
  checkImages(x, 'randomShift');
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new DataError(`randomShift: maxShift must be a non-negative integer (got ${maxShift}).`);
  const u = draws();
  const span = 2 * maxShift + 1;
  const maps = shiftMaps(x.shape[0], (i) => [Math.floor(u(2 * i) * span) - maxShift, Math.floor(u(2 * i + 1) * span) - maxShift]);
  return warp(x, maps, x.shape[2], x.shape[3], 'nearest', fill);
}

/** Options of `randomAffine`. */
export interface AffineOptions {
  /** Rotation in degrees: `d` for [−d, d], or [low, high]. Default 0. */
  readonly degrees?: Range;
  /** Largest translation as a fraction of width and height, e.g. [0.1, 0.1]; rounded to whole pixels. Default none. */
  readonly translate?: readonly [number, number];
  /** Zoom factor range, e.g. [0.9, 1.1] (above 1 enlarges). Default 1. */
  readonly scale?: Range;
  /** Value of pixels that come from outside the image. Default 0. */
  readonly fill?: number;
  /** Default 'bilinear'. */
  readonly interpolation?: Interpolation;
}

/**
 * A random rotation, translation and zoom per image about its centre (torchvision
 * `RandomAffine`), resampled bilinearly in one pass over the batch.
 */
export function randomAffine(x: Tensor, opts: AffineOptions): Tensor {
  checkImages(x, 'randomAffine');
  const [b, , h, w] = x.shape;
  const deg = bounds(
    typeof opts.degrees === 'number' ? [-Math.abs(opts.degrees), Math.abs(opts.degrees)] : opts.degrees ?? 0,
    'randomAffine',
    'degrees',
  );
  const [sLo, sHi] = bounds(opts.scale ?? 1, 'randomAffine', 'scale', 1e-6);
  const [tx, ty] = opts.translate ?? [0, 0];
  if (!(tx >= 0 && tx <= 1 && ty >= 0 && ty <= 1))
    throw new DataError(`randomAffine: translate fractions must be in [0, 1] (got [${tx}, ${ty}]).`);
  const u = draws();
  const maps = new Float64Array(6 * b);
  const cx = w / 2;
  const cy = h / 2;
  for (let i = 0; i < b; i++) {
    const angle = ((deg[0] + u(4 * i) * (deg[1] - deg[0])) * Math.PI) / 180;
    const s = sLo + u(4 * i + 1) * (sHi - sLo);
    const dx = Math.round((2 * u(4 * i + 2) - 1) * tx * w);
    const dy = Math.round((2 * u(4 * i + 3) - 1) * ty * h);
    // inverse of p' = s·R(angle)·(p − c) + c + d
    const cos = Math.cos(angle) / s;
    const sin = Math.sin(angle) / s;
    const [m0, m1, m3, m4] = [cos, sin, -sin, cos];
    maps.set([m0, m1, cx - m0 * (cx + dx) - m1 * (cy + dy), m3, m4, cy - m3 * (cx + dx) - m4 * (cy + dy)], 6 * i);
  }
  return warp(x, maps, h, w, opts.interpolation ?? 'bilinear', opts.fill ?? 0);
}

/** Rotates each image by a random angle in [−degrees, degrees] (or [low, high]) about its centre. */
export function randomRotation(x: Tensor, degrees: Range, fill = 0): Tensor {
  return randomAffine(x, { degrees, fill });
}

/** Zooms each image by a random factor in `scale` ([low, high], e.g. [0.9, 1.1]) about its centre. */
export function randomScale(x: Tensor, scale: Range, fill = 0): Tensor {
  return randomAffine(x, { scale, fill });
}
