import { DataError } from '@tessera/core';

/**
 * Image sizes read from PNG and JPEG headers, before anything is decoded: a small file can
 * declare a huge image (a 140 KB PNG of 12000 × 12000 decodes to gigabytes), so loaders
 * check `width × height` against a limit first.
 */

/**
 * Default limit on decoded pixels (width × height): 4096 × 4096. Decoding costs about 16
 * bytes a pixel (RGBA bytes, then float channels), so this is about 270 MB for one image.
 */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** An image file format this package decodes. */
export type ImageFormat = 'png' | 'jpeg';

/** What a PNG or JPEG header says. */
export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format from the first bytes, or undefined when it is neither PNG nor JPEG. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function pngHeader(bytes: Uint8Array): { width: number; height: number } | undefined {
  // IHDR is the first chunk: length (4), type (4), then width and height (big-endian).
  if (bytes.length < 24 || String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 24);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/** SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(bytes: Uint8Array): { width: number; height: number } | undefined {
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) return undefined;
    const marker = bytes[off + 1];
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    // Markers without a length: TEM and RSTn; SOS or EOI before a frame means no size.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      off += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = (bytes[off + 2] << 8) | bytes[off + 3];
    if (isStartOfFrame(marker)) {
      if (off + 9 > bytes.length) return undefined;
      return { height: (bytes[off + 5] << 8) | bytes[off + 6], width: (bytes[off + 7] << 8) | bytes[off + 8] };
    }
    off += 2 + length;
  }
  return undefined;
}

/**
 * Reads format, width and height from a PNG or JPEG file's header. A file that is neither,
 * or whose header is cut short, is a `DataError` naming `file`.
 *
 * @example
 * const { format, width, height } = readImageHeader(bytes, 'cat.jpg');
 */
export function readImageHeader(bytes: Uint8Array, file: string): ImageHeader {
  const format = sniffImageFormat(bytes);
  if (!format)
    throw new DataError(
      `${file}: is not a PNG or JPEG file (its first bytes are neither signature); convert it to PNG or JPEG, or remove it.`,
    );
  const size = format === 'png' ? pngHeader(bytes) : jpegHeader(bytes);
  if (!size) throw new DataError(`${file}: its ${format.toUpperCase()} header has no image size (${bytes.length} bytes); the file is ` +
    `truncated or damaged: replace it.`);
  return { format, ...size };
}

/**
 * Throws a `DataError` naming `file` when its header declares more than `maxPixels` pixels.
 * `hint` tells how to raise the limit where it is set.
 */
export function checkImagePixels(header: ImageHeader, file: string, maxPixels: number, hint = 'pass a larger maxPixels'): void {
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    throw new DataError(
      `${file}: is ${header.width}×${header.height} (${pixels} pixels), more than the ${maxPixels} this reads; ` +
        `scale it down first (the model sees a small image anyway), or ${hint}.`,
    );
  }
}
