import { DataError, tensor, type Tensor } from '@tessera/core';
import { checkChannels, rgbaToPlanes, type ImageChannels } from './pixels.js';

// The DOM types of `PixelSource` that a Node-only tsconfig (no DOM lib) lacks; these empty
// declarations merge with the DOM's where it is present.
declare global {
  interface ImageBitmap {}
  interface HTMLImageElement {}
  interface HTMLCanvasElement {}
  interface OffscreenCanvas {}
  interface VideoFrame {}
  interface HTMLVideoElement {}
}

/**
 * Browser image input: pixels of an `ImageData`, `ImageBitmap`, `<img>`, `<canvas>`,
 * `OffscreenCanvas`, `VideoFrame` or `<video>` as a `[C, H, W]` tensor. Runs in pages and
 * in workers (where `OffscreenCanvas` draws an `ImageBitmap` from `createImageBitmap`).
 */

/** Anything shaped like `ImageData`: RGBA bytes, row-major. */
export interface PixelData {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

/** What `fromPixels` reads. */
export type PixelSource = PixelData | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | VideoFrame | HTMLVideoElement;

/** Options of `fromPixels`. */
export interface FromPixelsOptions {
  /** 3 (RGB, default) or 1 (grey, BT.601 luminance). Alpha is dropped. */
  readonly channels?: ImageChannels;
  /** 'float32' (default) or 'int32' (the bytes 0..255, grey rounded). */
  readonly dtype?: 'float32' | 'int32';
  /** Scale float32 values to [0, 1] (default true); false keeps 0..255. Not with int32. */
  readonly normalize?: boolean;
  /** Backend for the tensor; default: the default backend. */
  readonly backend?: string;
}

function isPixelData(s: PixelSource): s is PixelData {
  return 'data' in s && typeof s.width === 'number' && typeof s.height === 'number' && s.data !== null && typeof s.data === 'object';
}

/** The size a drawable source is drawn at: its natural size (video and image elements have a layout size too). */
function drawSize(s: Exclude<PixelSource, PixelData>): { width: number; height: number } {
  if ('videoWidth' in s) return { width: s.videoWidth, height: s.videoHeight };
  if ('naturalWidth' in s) return { width: s.naturalWidth, height: s.naturalHeight };
  if ('displayWidth' in s) return { width: s.displayWidth, height: s.displayHeight };
  return { width: s.width, height: s.height };
}

/**
 * Draws a source on a scratch 2D canvas (an `OffscreenCanvas` in workers) and reads its
 * RGBA bytes back at its natural size: the pixels `fromPixels` converts, without a tensor.
 */
export function readPixels(s: Exclude<PixelSource, PixelData>): PixelData {
  const { width, height } = drawSize(s);
  if (!(width > 0 && height > 0)) {
    throw new DataError(
      `fromPixels: the source is ${width}×${height}; wait until it has pixels (await img.decode(), or the video's 'loadeddata' event).`,
    );
  }
  let ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (typeof OffscreenCanvas !== 'undefined') {
    ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  } else if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    ctx = canvas.getContext('2d', { willReadFrequently: true });
  } else {
    throw new DataError(
      'fromPixels: reading an image, canvas, bitmap or video needs OffscreenCanvas or a document; here pass ImageData-shaped pixels ({ ' +
        'width, height, data: RGBA bytes }).',
    );
  }
  if (!ctx) throw new DataError('fromPixels: could not get a 2D canvas context to read the pixels.');
  ctx.drawImage(s, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

/**
 * Pixels as a `[C, H, W]` tensor: float32 in [0, 1] by default.
 *
 * @example
 * const bitmap = await createImageBitmap(file); // in a page or a worker
 * const x = fromPixels(bitmap, { channels: 3 }).reshape([1, 3, bitmap.height, bitmap.width]);
 */
export function fromPixels(source: PixelSource, opts: FromPixelsOptions = {}): Tensor {
  const channels = checkChannels(opts.channels ?? 3, 'fromPixels');
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new DataError(`fromPixels: dtype must be 'float32' or 'int32' (got '${String(dtype)}').`);
  const normalize = opts.normalize ?? dtype === 'float32';
  if (normalize && dtype === 'int32')
    throw new DataError(
      "fromPixels: normalize: true gives values in [0, 1], which int32 cannot hold; use dtype 'float32' or normalize: false.",
    );
  const px = isPixelData(source) ? source : readPixels(source);
  if (px.data.length !== px.width * px.height * 4) {
    throw new DataError(
      `fromPixels: data has ${px.data.length} values, ${px.width}×${px.height} RGBA pixels need ${px.width * px.height * 4}.`,
    );
  }
  const img = rgbaToPlanes(px.data, px.width, px.height, channels, normalize ? 1 / 255 : 1);
  const shape = [...img.shape];
  if (dtype === 'int32') return tensor(Int32Array.from(img.data, Math.round), { shape, dtype, backend: opts.backend });
  return tensor(img.data, { shape, dtype, backend: opts.backend });
}
