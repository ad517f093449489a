import { DataError, tensor, tidy, type Tensor } from '@tessera/core';
import { bounds, checkImages, draws, perImage } from './common.js';

/** Options of `colorJitter`: each strength `s` draws a factor in [max(0, 1 − s), 1 + s] per image. */
export interface ColorJitterOptions {
  /** Multiplies every pixel. */
  readonly brightness?: number;
  /** Scales the distance of every pixel from the image's mean grey level. */
  readonly contrast?: number;
  /** Blends with the grey image (3-channel images only). */
  readonly saturation?: number;
  /** Multiplies each channel by its own factor ("RGB jitter"). */
  readonly rgb?: number;
  /** Clip the result to [min, max] (default [0, 1]; `false` to leave it). */
  readonly clamp?: readonly [number, number] | false;
}

// ITU-R 601 luma, as torchvision's rgb_to_grayscale.
const LUMA = [0.299, 0.587, 0.114];

function grey(x: Tensor): Tensor {
  const c = x.shape[1];
  if (c === 1) return x;
  const wts = tensor(Float32Array.from(LUMA), { shape: [1, 3, 1, 1], dtype: x.dtype, backend: x.backend });
  return x.mul(wts).sum(1, true);
}

/**
 * Random brightness, contrast, saturation and per-channel (RGB) gains per image
 * (torchvision `ColorJitter` without hue, plus RGB jitter), in that order, on images in
 * [0, 1], clipped at the end; apply before `normalize`.
 */
export function colorJitter(x: Tensor, opts: ColorJitterOptions): Tensor {
  checkImages(x, 'colorJitter');
  const [b, c] = x.shape;
  if (opts.saturation && c !== 3) throw new DataError(`colorJitter: saturation needs 3-channel images (got ${c}).`);
  const u = draws();
  const stride = 3 + c; // uniforms per image: brightness, contrast, saturation, one per channel
  let slot = 0;
  const factors = (strength: number | undefined, name: string, n = 1): Float32Array | undefined => {
    if (!strength) return undefined;
    const [lo, hi] = bounds([Math.max(0, 1 - strength), 1 + strength], 'colorJitter', name, 0);
    const base = slot;
    slot += n;
    return Float32Array.from({ length: b * n }, (_, k) => lo + u(Math.floor(k / n) * stride + base + (k % n)) * (hi - lo));
  };
  const fb = factors(opts.brightness, 'brightness');
  const fc = factors(opts.contrast, 'contrast');
  const fs = factors(opts.saturation, 'saturation');
  const fr = factors(opts.rgb, 'rgb', c);
  const clamp = opts.clamp ?? [0, 1];
  // Brightness is a gain, so it commutes with the (linear, homogeneous) contrast and
  // saturation blends: it is folded into the final per-channel gain, one full-size op less.
  let gain: Float32Array | undefined;
  if (fb || fr) {
    gain = new Float32Array(b * c);
    for (let k = 0; k < b * c; k++) gain[k] = (fb ? fb[Math.floor(k / c)] : 1) * (fr ? fr[k] : 1);
  }
  const rest = (f: Float32Array): Float32Array => f.map((v) => 1 - v);
  return tidy(() => {
    let y = x;
    if (fc) y = y.mul(perImage(x, fc)).add(grey(y).mean([2, 3], true).mul(perImage(x, rest(fc))));
    if (fs) y = y.mul(perImage(x, fs)).add(grey(y).mul(perImage(x, rest(fs))));
    if (gain) y = y.mul(perImage(x, gain, c));
    return clamp ? y.clip(clamp[0], clamp[1]) : y;
  });
}
