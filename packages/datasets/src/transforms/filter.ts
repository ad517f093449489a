import { DataError, tensor, tidy, type Tensor } from '@tessera/core';
import { bounds, checkImages, chosen, draws, perImage, type Range } from './common.js';

/** Reflects an index into [0, n) without repeating the edge (… 2 1 | 0 1 2 … n−1 | n−2 …). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * Per-image n×n matrices that blur one axis with a Gaussian of the given sigma, borders
 * reflected; sigma 0 gives the identity. Applying them with `matmul` filters a whole batch
 * in two products, each image with its own sigma.
 */
function blurMatrices(sigmas: Float64Array, n: number, radius: number, transpose: boolean): Float32Array {
  const out = new Float32Array(sigmas.length * n * n);
  for (let b = 0; b < sigmas.length; b++) {
    const s = sigmas[b];
    const taps: number[] = [];
    for (let t = -radius; t <= radius; t++) taps.push(s > 0 ? Math.exp((-t * t) / (2 * s * s)) : t === 0 ? 1 : 0);
    const total = taps.reduce((a, v) => a + v, 0);
    for (let dst = 0; dst < n; dst++) {
      for (let t = -radius; t <= radius; t++) {
        const src = reflect(dst + t, n);
        const at = transpose ? dst * n + src : src * n + dst;
        out[b * n * n + at] += taps[t + radius] / total;
      }
    }
  }
  return out;
}

/** @internal blurs every image with its own sigma (0: unchanged) */
function blurEach(x: Tensor, sigmas: Float64Array, kernelSize: number): Tensor {
  const [b, , h, w] = x.shape;
  const radius = (kernelSize - 1) / 2;
  return tidy(() => {
    // x · Mw blurs rows; Mh · x blurs columns (Mh is stored transposed: [dst, src]).
    const mw = tensor(blurMatrices(sigmas, w, radius, false), { shape: [b, 1, w, w], dtype: x.dtype, backend: x.backend });
    const mh = tensor(blurMatrices(sigmas, h, radius, true), { shape: [b, 1, h, h], dtype: x.dtype, backend: x.backend });
    return mh.matmul(x.matmul(mw));
  });
}

/** Options of `gaussianBlur`. */
export interface GaussianBlurOptions {
  /** Standard deviation in pixels, fixed or drawn per image from [low, high]. Default [0.1, 2]. */
  readonly sigma?: Range;
  /** Odd kernel width; default 2·ceil(3·max sigma) + 1 (at least 3). */
  readonly kernelSize?: number;
  /** Probability that an image is blurred. Default 1. */
  readonly p?: number;
}

function kernelFor(op: string, hiSigma: number, kernelSize: number | undefined): number {
  const k = kernelSize ?? Math.max(3, 2 * Math.ceil(3 * hiSigma) + 1);
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new DataError(`${op}: kernelSize must be a positive odd integer (got ${k}).`);
  return k;
}

/**
 * Gaussian blur with a random sigma per image (torchvision `GaussianBlur`, reflected
 * borders), as two batched matrix products.
 */
export function gaussianBlur(x: Tensor, opts: GaussianBlurOptions = {}): Tensor {
  checkImages(x, 'gaussianBlur');
  const [lo, hi] = bounds(opts.sigma ?? [0.1, 2], 'gaussianBlur', 'sigma', 0);
  const k = kernelFor('gaussianBlur', hi, opts.kernelSize);
  const u = draws();
  const sigmas = Float64Array.from({ length: x.shape[0] }, (_, i) =>
    chosen(u, 2 * i, opts.p ?? 1, 'gaussianBlur') ? lo + u(2 * i + 1) * (hi - lo) : 0,
  );
  return blurEach(x, sigmas, k);
}

/** Options of `sharpen`. */
export interface SharpenOptions {
  /** How much detail is added back: fixed or per image from [low, high]. Default 1. */
  readonly amount?: Range;
  /** Sigma of the blur whose difference is the detail. Default 1. */
  readonly sigma?: number;
  /** Probability that an image is sharpened. Default 1. */
  readonly p?: number;
  /** Clip to [min, max] (default [0, 1]; `false` to leave it). */
  readonly clamp?: readonly [number, number] | false;
}

/**
 * Unsharp masking: `x + amount · (x − blur(x))`, with a per-image random amount; the
 * random counterpart of torchvision `RandomAdjustSharpness`.
 */
export function sharpen(x: Tensor, opts: SharpenOptions = {}): Tensor {
  checkImages(x, 'sharpen');
  const [lo, hi] = bounds(opts.amount ?? 1, 'sharpen', 'amount', 0);
  const sigma = opts.sigma ?? 1;
  if (!(sigma > 0)) throw new DataError(`sharpen: sigma must be positive (got ${sigma}).`);
  const b = x.shape[0];
  const u = draws();
  const amounts = Float32Array.from({ length: b }, (_, i) =>
    chosen(u, 2 * i, opts.p ?? 1, 'sharpen') ? lo + u(2 * i + 1) * (hi - lo) : 0,
  );
  const clamp = opts.clamp ?? [0, 1];
  return tidy(() => {
    const detail = x.sub(blurEach(x, new Float64Array(b).fill(sigma), kernelFor('sharpen', sigma, undefined)));
    const y = x.add(detail.mul(perImage(x, amounts)));
    return clamp ? y.clip(clamp[0], clamp[1]) : y;
  });
}
