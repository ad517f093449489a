import { describe, expect, it } from 'vitest';
import { DataError, init, manualSeed, memory, tensor, use, type Tensor } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  colorJitter,
  compose,
  DataLoader,
  gaussianBlur,
  gaussianNoise,
  ImageDataset,
  normalize,
  onImages,
  randomAffine,
  randomCrop,
  randomHorizontalFlip,
  randomRotation,
  randomScale,
  randomShift,
  randomVerticalFlip,
  sharpen,
  toFloat,
} from '../src/index.js';

// Tensors are built while the suites are collected, so the backend comes first.
use(cpu());
await init();

const values = (t: Tensor): number[] => Array.from(t.dataSync());
/** b images [c, h, w] whose pixel values come from f(image, channel, row, col). */
function images(b: number, c: number, h: number, w: number, f: (n: number, ch: number, i: number, j: number) => number): Tensor {
  const out = new Float32Array(b * c * h * w);
  let k = 0;
  for (let n = 0; n < b; n++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[k++] = f(n, ch, i, j);
  return tensor(out, { shape: [b, c, h, w] });
}
const image = (t: Tensor, n: number): number[] => {
  const s = t.shape[1] * t.shape[2] * t.shape[3];
  return values(t).slice(n * s, (n + 1) * s);
};
const near = (xs: number[]): unknown[] => xs.map((v) => expect.closeTo(v, 6));
const seeded = <T>(seed: number, f: () => T): T => {
  manualSeed(seed);
  return f();
};

describe('composition', () => {
  it('compose, onImages and toFloat', () => {
    const x = tensor(Int32Array.from([0, 51, 255, 102]), { shape: [1, 1, 2, 2], dtype: 'int32' });
    const f = toFloat(x);
    expect(f.dtype).toBe('float32');
    expect(values(f)).toEqual(near([0, 0.2, 1, 0.4]));
    const double = (t: Tensor): Tensor => t.mul(2);
    expect(values(compose(double, (t) => t.add(1))(f))).toEqual(near([1, 1.4, 3, 1.8]));
    const batch = onImages(double)({ x: f, y: tensor([3]) });
    expect(values(batch.x)).toEqual(near([0, 0.4, 2, 0.8]));
    expect(values(batch.y)).toEqual([3]);
    expect(() => normalize(x, [0], [1])).toThrow(/toFloat/);
  });
});

describe('geometric', () => {
  // One bright pixel at (3, 4) of an 8×8 image.
  const dot = images(16, 1, 8, 8, (_n, _c, i, j) => (i === 3 && j === 4 ? 1 : 0));
  const where1 = (img: number[]): [number, number][] => img.flatMap((v, k) => (v === 1 ? [[Math.floor(k / 8), k % 8] as [number, number]] : []));

  it('randomShift moves each image by whole pixels within ±max, seeded', () => {
    const y = seeded(1, () => randomShift(dot, 2));
    expect(y.shape).toEqual([16, 1, 8, 8]);
    const moves = new Set<string>();
    for (let n = 0; n < 16; n++) {
      const img = image(y, n);
      const ones = where1(img);
      expect(ones.length).toBe(1);
      expect(img.reduce((a, v) => a + v, 0)).toBe(1);
      const [i, j] = ones[0];
      expect(Math.abs(i - 3)).toBeLessThanOrEqual(2);
      expect(Math.abs(j - 4)).toBeLessThanOrEqual(2);
      moves.add(`${i},${j}`);
    }
    expect(moves.size).toBeGreaterThan(4);
    expect(values(seeded(1, () => randomShift(dot, 2)))).toEqual(values(y));
    expect(values(seeded(2, () => randomShift(dot, 2)))).not.toEqual(values(y));
    expect(values(randomShift(dot, 0))).toEqual(values(dot));
    expect(() => randomShift(dot, 1.5)).toThrow(DataError);
  });

  it('randomCrop reads whole windows of the padded image', () => {
    const ramp = images(4, 2, 5, 5, (n, c, i, j) => 100 * c + 10 * i + j + n * 1000);
    const y = seeded(3, () => randomCrop(ramp, 0, [3, 3]));
    for (let n = 0; n < 4; n++) {
      const img = image(y, n);
      const top = Math.floor((img[0] - n * 1000) / 10);
      const left = (img[0] - n * 1000) % 10;
      const want = [0, 1].flatMap((c) => [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => n * 1000 + 100 * c + 10 * (top + i) + left + j)));
      expect(img).toEqual(want);
    }
    const filled = seeded(4, () => randomCrop(images(8, 1, 2, 2, () => 1), 3, undefined, -1));
    expect(values(filled).every((v) => v === 1 || v === -1)).toBe(true);
    expect(values(filled)).toContain(-1);
  });

  it('randomAffine: identity when asked for nothing; 90° turns a square exactly; zoom keeps the centre', () => {
    const x = images(2, 3, 6, 6, (n, c, i, j) => n + c + 0.1 * i + 0.01 * j);
    const same = randomAffine(x, {});
    values(same).forEach((v, k) => expect(v).toBeCloseTo(values(x)[k], 5));
    const turned = randomRotation(x, [90, 90]);
    const xs = values(x);
    const ts = values(turned);
    // image rotated by a quarter turn: out[i][j] = x[j][5 − i] or x[5 − j][i]
    const quarter = (f: (i: number, j: number) => [number, number]): boolean =>
      ts.every((v, k) => {
        const j = k % 6;
        const i = Math.floor(k / 6) % 6;
        const base = k - (k % 36);
        const [si, sj] = f(i, j);
        return Math.abs(v - xs[base + si * 6 + sj]) < 1e-5;
      });
    expect(quarter((i, j) => [j, 5 - i]) || quarter((i, j) => [5 - j, i])).toBe(true);
    const ones = images(3, 1, 8, 8, () => 1);
    expect(values(randomScale(ones, [1.5, 2])).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true); // zoom in: fully covered
    const shrunk = randomScale(ones, [0.5, 0.5]);
    const img = image(shrunk, 0);
    expect(img[0]).toBe(0); // corner uncovered
    expect(img[3 * 8 + 3]).toBeCloseTo(1, 6); // centre covered
    expect(values(randomAffine(ones, { scale: [0.5, 0.5], fill: 0.25 })).every((v) => v >= 0.25 - 1e-6 && v <= 1 + 1e-6)).toBe(true);
    const moved = seeded(5, () => randomAffine(dot, { translate: [0.25, 0.25], interpolation: 'nearest' }));
    for (let n = 0; n < 16; n++) expect(image(moved, n).reduce((a, v) => a + v, 0)).toBeLessThanOrEqual(1);
    expect(() => randomAffine(x, { scale: [2, 1] })).toThrow(DataError);
  });

  it('randomVerticalFlip flips rows of some images', () => {
    const rows = images(16, 1, 3, 1, (_n, _c, i) => i);
    const y = seeded(8, () => randomVerticalFlip(rows));
    const seen = new Set(Array.from({ length: 16 }, (_, n) => image(y, n).join(',')));
    expect(seen).toEqual(new Set(['0,1,2', '2,1,0']));
    expect(() => randomVerticalFlip(rows, 2)).toThrow(/p must be in/);
  });

  it('randomHorizontalFlip and random transforms are reproducible under manualSeed', () => {
    const x = images(8, 3, 6, 6, (n, c, i, j) => (n * 7 + c * 3 + i * 5 + j) % 11 / 11);
    const run = (): number[] => values(randomAffine(randomHorizontalFlip(x), { degrees: 20, translate: [0.1, 0.1], scale: [0.9, 1.1] }));
    expect(seeded(9, run)).toEqual(seeded(9, run));
    expect(seeded(9, run)).not.toEqual(seeded(10, run));
  });
});

describe('colour', () => {
  const rgb = images(12, 3, 4, 4, (_n, c, i, j) => 0.2 + 0.1 * c + 0.02 * i + 0.01 * j);

  it('brightness scales each image by one factor in [1 − s, 1 + s]', () => {
    const y = seeded(1, () => colorJitter(rgb, { brightness: 0.4, clamp: false }));
    const factors = Array.from({ length: 12 }, (_, n) => image(y, n)[5] / image(rgb, n)[5]);
    for (let n = 0; n < 12; n++) {
      const f = factors[n];
      expect(f).toBeGreaterThanOrEqual(0.6 - 1e-6);
      expect(f).toBeLessThanOrEqual(1.4 + 1e-6);
      image(y, n).forEach((v, k) => expect(v).toBeCloseTo(image(rgb, n)[k] * f, 5));
    }
    expect(new Set(factors.map((f) => f.toFixed(4))).size).toBeGreaterThan(6);
  });

  it('contrast keeps the mean grey level; saturation leaves grey images; rgb gains per channel', () => {
    const grey = (t: Tensor, n: number): number => {
      const img = image(t, n);
      let s = 0;
      for (let k = 0; k < 16; k++) s += 0.299 * img[k] + 0.587 * img[16 + k] + 0.114 * img[32 + k];
      return s / 16;
    };
    const c = seeded(2, () => colorJitter(rgb, { contrast: 0.5, clamp: false }));
    for (let n = 0; n < 12; n++) expect(grey(c, n)).toBeCloseTo(grey(rgb, n), 5);
    const neutral = images(4, 3, 2, 2, (n, _c, i, j) => 0.1 * n + 0.2 * i + 0.1 * j);
    values(colorJitter(neutral, { saturation: 0.9 })).forEach((v, k) => expect(v).toBeCloseTo(values(neutral)[k], 5));
    const g = seeded(3, () => colorJitter(rgb, { rgb: 0.2, clamp: false }));
    for (let n = 0; n < 12; n++) {
      for (let ch = 0; ch < 3; ch++) {
        const ratio = image(g, n)[ch * 16 + 7] / image(rgb, n)[ch * 16 + 7];
        expect(ratio).toBeGreaterThanOrEqual(0.8 - 1e-6);
        expect(ratio).toBeLessThanOrEqual(1.2 + 1e-6);
        expect(image(g, n)[ch * 16] / image(rgb, n)[ch * 16]).toBeCloseTo(ratio, 5);
      }
    }
    const bright = colorJitter(images(2, 3, 2, 2, () => 0.9), { brightness: 0.9 });
    expect(Math.max(...values(bright))).toBeLessThanOrEqual(1);
    expect(() => colorJitter(images(1, 1, 2, 2, () => 0), { saturation: 0.5 })).toThrow(/3-channel/);
  });
});

describe('filters and noise', () => {
  const flat = images(3, 2, 7, 7, (n) => 0.1 + 0.3 * n);
  const impulse = images(4, 1, 9, 9, (_n, _c, i, j) => (i === 4 && j === 4 ? 1 : 0));

  it('gaussianBlur keeps flat images and the mass of an impulse, spreading it by a per-image sigma', () => {
    values(gaussianBlur(flat, { sigma: [0.5, 2] })).forEach((v, k) => expect(v).toBeCloseTo(values(flat)[k], 5));
    const y = seeded(4, () => gaussianBlur(impulse, { sigma: [0.5, 1.5], kernelSize: 5 }));
    const peaks = Array.from({ length: 4 }, (_, n) => image(y, n)[40]);
    for (let n = 0; n < 4; n++) {
      expect(image(y, n).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      expect(peaks[n]).toBeLessThan(1);
      expect(image(y, n)[4 * 9 + 5]).toBeCloseTo(image(y, n)[5 * 9 + 4], 6); // isotropic
    }
    expect(new Set(peaks.map((p) => p.toFixed(4))).size).toBe(4);
    expect(values(gaussianBlur(impulse, { p: 0 }))).toEqual(values(impulse));
    expect(() => gaussianBlur(impulse, { kernelSize: 4 })).toThrow(/odd/);
  });

  it('sharpen keeps flat images and steepens edges', () => {
    values(sharpen(flat)).forEach((v, k) => expect(v).toBeCloseTo(values(flat)[k], 5));
    const edge = images(1, 1, 6, 6, (_n, _c, _i, j) => (j < 3 ? 0.3 : 0.6));
    const s = image(sharpen(edge, { amount: 1, clamp: false }), 0);
    expect(s[2]).toBeLessThan(0.3);
    expect(s[3]).toBeGreaterThan(0.6);
    expect(values(sharpen(edge, { amount: 0 }))).toEqual(near(values(edge)));
  });

  it('gaussianNoise: seeded, the requested spread, clamped to [0, 1] by default', () => {
    const x = images(8, 1, 16, 16, () => 0.5);
    const a = seeded(6, () => values(gaussianNoise(x, { std: 0.1, clamp: false })));
    expect(seeded(6, () => values(gaussianNoise(x, { std: 0.1, clamp: false })))).toEqual(a);
    const d = a.map((v) => v - 0.5);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    const wild = values(gaussianNoise(x, { std: 2 }));
    expect(Math.min(...wild)).toBe(0);
    expect(Math.max(...wild)).toBe(1);
  });
});

describe('in a DataLoader', () => {
  it('a full augmentation pipeline, per batch, leaks nothing; a denoising pair keeps the clean images', async () => {
    const n = 24;
    const ds = new ImageDataset(Uint8Array.from({ length: n * 3 * 8 * 8 }, (_, i) => (i * 37) % 256), Int32Array.from({ length: n }, (_, i) => i % 10), [3, 8, 8]);
    const loader = new DataLoader(ds, {
      batchSize: 8,
      shuffle: true,
      transform: onImages(
        (x) => randomCrop(x, 2),
        randomHorizontalFlip,
        (x) => randomShift(x, 1),
        (x) => randomAffine(x, { degrees: 10, scale: [0.9, 1.1] }),
        (x) => colorJitter(x, { brightness: 0.2, contrast: 0.2, saturation: 0.2, rgb: 0.1 }),
        (x) => gaussianBlur(x, { p: 0.5 }),
        (x) => sharpen(x, { amount: [0, 1], p: 0.5 }),
        (x) => normalize(x, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
      ),
    });
    const before = memory().numTensors;
    let seen = 0;
    for await (const { x, y } of loader) {
      expect(x.shape).toEqual([8, 3, 8, 8]);
      expect(values(x).every(Number.isFinite)).toBe(true);
      seen += y.shape[0];
    }
    expect(seen).toBe(n);
    const denoise = new DataLoader(ds, { batchSize: 8, transform: ({ x, y }) => ({ x: gaussianNoise(x, { std: 0.3 }), y: x }) });
    for await (const { x, y } of denoise) {
      expect(y.shape).toEqual(x.shape);
      expect(values(x)).not.toEqual(values(y));
    }
    expect(memory().numTensors).toBe(before);
  });
});
