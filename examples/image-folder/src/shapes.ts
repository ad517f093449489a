import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** The classes: which shape is drawn. Its colour, size, place and the background are random. */
export const SHAPES = ['circle', 'square', 'triangle'] as const;
type Shape = (typeof SHAPES)[number];

/** A seeded generator (mulberry32): the same seed draws the same folder. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether pixel (x, y) is inside a shape of half-size r centred at (cx, cy). */
function inside(shape: Shape, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x + 0.5 - cx;
  const dy = y + 0.5 - cy;
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
  // An upright triangle: apex at the top, base at the bottom.
  return dy <= r && dy >= -r && Math.abs(dx) <= (dy + r) / 2;
}

/** RGBA bytes of one shape on a plain background, the two colours far apart in brightness. */
function drawShape(shape: Shape, size: number, rand: () => number): Uint8Array {
  const ink = [0, 1, 2].map(() => Math.floor(rand() * 256));
  const light = ink[0] * 0.299 + ink[1] * 0.587 + ink[2] * 0.114 > 128;
  const paper = [0, 1, 2].map(() => (light ? Math.floor(rand() * 70) : 185 + Math.floor(rand() * 70)));
  const r = size * (0.22 + rand() * 0.15);
  const cx = r + rand() * (size - 2 * r);
  const cy = r + rand() * (size - 2 * r);
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) out.set([...(inside(shape, x, y, cx, cy, r) ? ink : paper), 255], 4 * (y * size + x));
  }
  return out;
}

/** Encodes RGBA bytes as a PNG (pngjs) or a JPEG (jpeg-js, quality 90). */
function encode(rgba: Uint8Array, size: number, format: 'png' | 'jpeg'): Uint8Array {
  if (format === 'jpeg') return new Uint8Array(jpeg.encode({ width: size, height: size, data: rgba }, 90).data);
  const png = new PNG({ width: size, height: size });
  png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

/** Options of `makeShapeFolder`. */
export interface ShapeFolderOptions {
  /** Training images per class (default 100). */
  readonly train?: number;
  /** Test images per class (default 20). */
  readonly test?: number;
  /** Side of the square images in pixels (default 40). */
  readonly size?: number;
  readonly seed?: number;
}

/**
 * Writes `root/train/<shape>/…` and `root/test/<shape>/…`: one subfolder per class, as
 * torchvision's `ImageFolder` (and `tessera train --data`) read them; every third file is
 * a JPEG, the others PNG. Returns the number of files written.
 */
export function makeShapeFolder(root: string, o: ShapeFolderOptions = {}): number {
  const size = o.size ?? 40;
  const rand = random(o.seed ?? 1);
  let n = 0;
  for (const [split, count] of [['train', o.train ?? 100], ['test', o.test ?? 20]] as const) {
    for (const shape of SHAPES) {
      const dir = join(root, split, shape);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        const format = i % 3 === 2 ? 'jpeg' : 'png';
        writeFileSync(join(dir, `${i}.${format === 'png' ? 'png' : 'jpg'}`), encode(drawShape(shape, size, rand), size, format));
        n++;
      }
    }
  }
  return n;
}
