import { readFileSync } from 'node:fs';
import { MAX_IMAGE_PIXELS, readImageHeader, resizeImage, sniffImageFormat } from '@tessera/datasets';
import { PNG } from 'pngjs';
import { CliError } from './errors.js';

/** A decoded image as float channels in [0, 1], `[C, H, W]` row-major. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number];
}

/** Default of `ReadPngOptions.maxPixels` (4096 × 4096), shared with @tessera/datasets' image loaders. */
export { MAX_IMAGE_PIXELS };

/** Options of `readPng`. */
export interface ReadPngOptions {
  /**
   * Most pixels (width × height) to decode, checked from the header before decoding.
   * Default: the environment variable `TESSERA_MAX_IMAGE_PIXELS` when set, else `MAX_IMAGE_PIXELS`.
   */
  readonly maxPixels?: number;
}

function maxPixelsOf(opts: ReadPngOptions): number {
  if (opts.maxPixels !== undefined) return opts.maxPixels;
  const env = process.env.TESSERA_MAX_IMAGE_PIXELS;
  if (env === undefined || env === '') return MAX_IMAGE_PIXELS;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`TESSERA_MAX_IMAGE_PIXELS must be a positive integer (got '${env}').`);
  return n;
}

/**
 * Decodes a PNG file (any bit depth, palette, alpha over white) into RGB floats in [0, 1].
 * Its size is checked from the header first: more than `maxPixels` is a `CliError` naming
 * the file, its size and the limit, before anything is decoded.
 */
export function readPng(path: string, opts: ReadPngOptions = {}): FloatImage {
  const maxPixels = maxPixelsOf(opts);
  let png: PNG;
  try {
    const bytes = readFileSync(path);
    // Header parsing is @tessera/datasets'; a file that is not a PNG fails in the decoder below.
    const size = sniffImageFormat(bytes) === 'png' ? readImageHeader(bytes, path) : undefined;
    if (size && size.width * size.height > maxPixels) {
      throw new CliError(
        `${path}: is ${size.width}×${size.height} (${size.width * size.height} pixels), more than the ${maxPixels} this reads; ` +
          'scale it down first (the model sees a small image anyway), or raise the limit with TESSERA_MAX_IMAGE_PIXELS.',
      );
    }
    png = PNG.sync.read(bytes);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: not a readable PNG (${(e as Error).message}).`);
  }
  const { width: w, height: h, data } = png;
  const out = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) {
    const alpha = data[i * 4 + 3] / 255;
    // Transparent pixels count as white paper.
    for (let c = 0; c < 3; c++) out[c * h * w + i] = (data[i * 4 + c] / 255) * alpha + (1 - alpha);
  }
  return { data: out, shape: [3, h, w] };
}

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

/**
 * Makes a photo or drawing look like the training data: grey or RGB as the model expects,
 * resized, and — for MNIST-style grey models — inverted when the background is light
 * (digits on paper are dark on white; MNIST is white on black).
 */
export function prepareImage(img: FloatImage, [c, h, w]: readonly [number, number, number]): { image: FloatImage; inverted: boolean } {
  let x = c === 1 ? toGray(img) : img;
  if (c === 3 && x.shape[0] === 1) x = { data: new Float32Array([...x.data, ...x.data, ...x.data]), shape: [3, x.shape[1], x.shape[2]] };
  x = resize(x, h, w);
  let inverted = false;
  if (c === 1) {
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
