import { DataError } from '@tessera/core';
import { MAX_IMAGE_PIXELS, resizeCenterCrop, resizeImage } from '@tessera/datasets';
import { decodeImageFile, maxImagePixels } from '@tessera/datasets/node';
import { CliError } from './errors.js';

/** A decoded image as float channels in [0, 1], `[C, H, W]` row-major. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number];
}

/** Default of `ReadImageOptions.maxPixels` (4096 × 4096), shared with @tessera/datasets' image loaders. */
export { MAX_IMAGE_PIXELS };

/** Options of `readImage`. */
export interface ReadImageOptions {
  /**
   * Most pixels (width × height) to decode, checked from the header before decoding.
   * Default: the environment variable `TESSERA_MAX_IMAGE_PIXELS` when set, else `MAX_IMAGE_PIXELS`.
   */
  readonly maxPixels?: number;
  /**
   * What transparency means: 'white' (default) lays the image over white paper, as a
   * drawing is seen; 'drop' ignores alpha, as `ImageFolder` (and torchvision) read images.
   */
  readonly alpha?: 'white' | 'drop';
}

/**
 * Decodes a PNG (any bit depth, palette) or JPEG file into RGB floats in [0, 1], through
 * @tessera/datasets' decoders (pngjs, jpeg-js). Its size is checked from the header first:
 * more than `maxPixels` is a `CliError` naming the file, its size and the limit, before
 * anything is decoded; so is a file that is neither format or is damaged.
 */
export function readImage(path: string, opts: ReadImageOptions = {}): FloatImage {
  let decoded: { rgba: Uint8Array; width: number; height: number };
  try {
    decoded = decodeImageFile(path, maxImagePixels(opts.maxPixels));
  } catch (e) {
    if (e instanceof DataError)
      throw new CliError(
        e.message.replace(
          /raise the limit \(maxPixels, or TESSERA_MAX_IMAGE_PIXELS\)/,
          'scale it down first (the model sees a small image anyway), or raise the limit with TESSERA_MAX_IMAGE_PIXELS',
        ),
      );
    throw e;
  }
  const { width: w, height: h, rgba } = decoded;
  const over = (opts.alpha ?? 'white') === 'white';
  const out = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) {
    // Transparent pixels count as white paper.
    const alpha = over ? rgba[i * 4 + 3] / 255 : 1;
    for (let c = 0; c < 3; c++) out[c * h * w + i] = (rgba[i * 4 + c] / 255) * alpha + (1 - alpha);
  }
  return { data: out, shape: [3, h, w] };
}

/** @deprecated Reads PNG and JPEG alike: use `readImage`. */
export const readPng = readImage;

/** Luminance (ITU-R BT.601) of an RGB image: one channel. */
export function toGray(img: FloatImage): FloatImage {
  const [c, h, w] = img.shape;
  if (c === 1) return img;
  const n = h * w;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * img.data[i] + 0.587 * img.data[n + i] + 0.114 * img.data[2 * n + i];
  return { data: out, shape: [1, h, w] };
}

/** Area-averaging resize of every channel to `h × w` (`resizeArea` from @tessera/datasets). */
export function resize(img: FloatImage, oh: number, ow: number): FloatImage {
  return resizeImage(img, oh, ow);
}

/** Options of `prepareImage`. */
export interface PrepareImageOptions {
  /**
   * 'stretch' (default) resizes each side on its own; 'center-crop' keeps the aspect ratio
   * and cuts out the centre, as `tessera train --data` prepared its images.
   */
  readonly resize?: 'stretch' | 'center-crop';
  /** Grey models: invert a light background, as for MNIST-style digits (default true). */
  readonly invertLight?: boolean;
}

/**
 * Makes a photo or drawing look like the training data: grey or RGB as the model expects,
 * resized, and — for MNIST-style grey models — inverted when the background is light
 * (digits on paper are dark on white; MNIST is white on black).
 */
export function prepareImage(
  img: FloatImage,
  [c, h, w]: readonly [number, number, number],
  opts: PrepareImageOptions = {},
): { image: FloatImage; inverted: boolean } {
  let x = c === 1 ? toGray(img) : img;
  if (c === 3 && x.shape[0] === 1) x = { data: new Float32Array([...x.data, ...x.data, ...x.data]), shape: [3, x.shape[1], x.shape[2]] };
  x = opts.resize === 'center-crop' ? resizeCenterCrop(x, h, w) : resize(x, h, w);
  let inverted = false;
  if (c === 1 && (opts.invertLight ?? true)) {
    // Border pixels tell the background.
    let s = 0;
    let n = 0;
    for (let i = 0; i < w; i++) { s += x.data[i] + x.data[(h - 1) * w + i]; n += 2; }
    if (s / n > 0.5) {
      x = { data: x.data.map((v) => 1 - v), shape: x.shape };
      inverted = true;
    }
  }
  return { image: x, inverted };
}
