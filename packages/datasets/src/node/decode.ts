import { readFileSync } from 'node:fs';
import { DataError } from '@tessera/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkImagePixels, MAX_IMAGE_PIXELS, readImageHeader } from '../image-header.js';

/** Decoded RGBA bytes of one image file. */
export interface RgbaImage {
  readonly rgba: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The pixel limit: `maxPixels` when given, else the environment variable
 * `TESSERA_MAX_IMAGE_PIXELS` when set, else `MAX_IMAGE_PIXELS` (4096 × 4096).
 */
export function maxImagePixels(maxPixels?: number): number {
  if (maxPixels !== undefined) {
    if (!(maxPixels > 0)) throw new DataError(`maxPixels must be a positive number (got ${maxPixels}).`);
    return maxPixels;
  }
  const env = process.env.TESSERA_MAX_IMAGE_PIXELS;
  if (env === undefined || env === '') return MAX_IMAGE_PIXELS;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n <= 0) throw new DataError(`TESSERA_MAX_IMAGE_PIXELS must be a positive integer (got '${env}').`);
  return n;
}

/**
 * Decodes PNG or JPEG bytes (pngjs, jpeg-js) to RGBA. The size is read from the header and
 * checked against `maxPixels` before decoding; every failure is a `DataError` naming `file`.
 */
export function decodeImage(bytes: Uint8Array, file: string, maxPixels: number): RgbaImage {
  const header = readImageHeader(bytes, file);
  checkImagePixels(header, file, maxPixels, 'raise the limit (maxPixels, or TESSERA_MAX_IMAGE_PIXELS)');
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
    }
    // jpeg-js keeps its own limits too; ours was checked above, so give it room for exactly that.
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6),
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 16) / 2 ** 20)),
    });
    return { rgba: img.data, width: img.width, height: img.height };
  } catch (e) {
    throw new DataError(`${file}: is not a readable ${header.format.toUpperCase()} (${(e as Error).message}); the file is damaged or ` +
      `truncated: replace or remove it.`);
  }
}

/** Reads and decodes an image file (see `decodeImage`). */
export function decodeImageFile(path: string, maxPixels: number): RgbaImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot be read (${(e as Error).message}).`);
  }
  return decodeImage(bytes, path, maxPixels);
}
