import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** `width × height` RGBA bytes of one colour. */
export function solid(width: number, height: number, [r, g, b, a = 255]: readonly number[]): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) out.set([r, g, b, a], 4 * i);
  return out;
}

/** A real PNG file (pngjs encoder) of the given RGBA bytes. */
export function pngBytes(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

/** A real baseline JPEG file (jpeg-js encoder, quality 95) of the given RGBA bytes. */
export function jpegBytes(width: number, height: number, rgba: Uint8Array): Uint8Array {
  return new Uint8Array(jpeg.encode({ width, height, data: rgba }, 95).data);
}

/** Writes `bytes` to `path`, creating its folder. */
export function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
