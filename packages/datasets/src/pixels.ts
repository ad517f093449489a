import { DataError } from '@tessera/core';

/**
 * Interleaved RGBA bytes (decoded PNG/JPEG, `ImageData`) to planar float channels in [0, 1].
 * Alpha is dropped, as torchvision's `convert('RGB')` and tfjs's `fromPixels` do.
 */

/** A decoded image: float channels `[C, H, W]`, row-major. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number];
}

/** How many channels an image keeps: 1 (grey) or 3 (RGB). */
export type ImageChannels = 1 | 3;

/** @internal validates a channels option */
export function checkChannels(channels: unknown, where: string): ImageChannels {
  if (channels === 1 || channels === 3) return channels;
  throw new DataError(`${where}: channels must be 1 (grey) or 3 (RGB) (got ${String(channels)}).`);
}

/**
 * Converts `width × height` RGBA bytes to `[channels, height, width]` floats scaled by
 * `scale` (1/255 gives [0, 1]). One channel is the ITU-R BT.601 luminance
 * (0.299 R + 0.587 G + 0.114 B, as PIL's 'L').
 *
 * @example
 * rgbaToPlanes(Uint8Array.of(255, 0, 0, 255), 1, 1, 3).data; // Float32Array [1, 0, 0]
 */
export function rgbaToPlanes(rgba: ArrayLike<number>, width: number, height: number, channels: ImageChannels, scale = 1 / 255): FloatImage {
  const n = width * height;
  if (rgba.length !== 4 * n) {
    throw new DataError(`rgbaToPlanes: ${rgba.length} bytes are not RGBA pixels of ${width}×${height} (${4 * n} bytes).`);
  }
  const out = new Float32Array(channels * n);
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    if (channels === 1) {
      out[i] = (0.299 * r + 0.587 * g + 0.114 * b) * scale;
    } else {
      out[i] = r * scale;
      out[n + i] = g * scale;
      out[2 * n + i] = b * scale;
    }
  }
  return { data: out, shape: [channels, height, width] };
}
