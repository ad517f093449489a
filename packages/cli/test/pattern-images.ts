import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** The classes drawn: the pattern's orientation or shape is the label; colours, period and phase are random. */
export const PATTERNS = ['dots', 'hstripes', 'vstripes'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** A small seeded generator (mulberry32), so every run draws the same folder. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGBA bytes of one pattern: two contrasting random colours, a random period (4–7 px) and phase. */
function patternRgba(kind: Pattern, width: number, height: number, seed: number): Uint8Array {
  const r = rng(seed);
  const dark = [0, 1, 2].map(() => Math.floor(r() * 90));
  const light = [0, 1, 2].map(() => 165 + Math.floor(r() * 90));
  const [fg, bg] = r() < 0.5 ? [dark, light] : [light, dark];
  const period = 4 + Math.floor(r() * 4);
  const px = Math.floor(r() * period);
  const py = Math.floor(r() * period);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x + px) % period;
      const v = (y + py) % period;
      const on = kind === 'hstripes' ? v < period / 2 : kind === 'vstripes' ? u < period / 2 : u < 2 && v < 2;
      out.set([...(on ? fg : bg), 255], 4 * (y * width + x));
    }
  }
  return out;
}

/** One pattern as a real PNG (pngjs) or baseline JPEG (jpeg-js, quality 90) file. */
export function patternFile(kind: Pattern, width: number, height: number, seed: number, format: 'png' | 'jpeg'): Uint8Array {
  const rgba = patternRgba(kind, width, height, seed);
  if (format === 'jpeg') return new Uint8Array(jpeg.encode({ width, height, data: rgba }, 90).data);
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * Writes `perClass` images of each pattern under `root/<pattern>/` (every third a JPEG, the
 * others PNG; jpeg-js's encoder is the slow part), `width × height` pixels; returns the
 * number of files written.
 */
export function writePatternFolder(root: string, o: { perClass: number; width: number; height: number; seed?: number }): number {
  let n = 0;
  PATTERNS.forEach((kind, k) => {
    mkdirSync(join(root, kind), { recursive: true });
    for (let i = 0; i < o.perClass; i++) {
      const format = i % 3 === 2 ? 'jpeg' : 'png';
      const seed = (o.seed ?? 1) * 100_003 + k * 10_007 + i;
      writeFileSync(join(root, kind, `${i}.${format === 'png' ? 'png' : 'jpg'}`), patternFile(kind, o.width, o.height, seed, format));
      n++;
    }
  });
  return n;
}
