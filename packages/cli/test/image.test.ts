import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { MAX_IMAGE_PIXELS, prepareImage, readImage, readPng } from '../src/image.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-png-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A real, valid PNG of `w × h` black 8-bit grey pixels: tiny on disk, huge decoded. */
function blackPng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const rows = Buffer.alloc(h * (w + 1)); // filter byte 0 and zeros on every row
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

describe('readImage pixel limit', () => {
  it('keeps readPng as a deprecated alias of readImage', () => {
    expect(readPng).toBe(readImage);
  });

  it('a 12000×12000 PNG of ~140 KB is refused from its header, before decoding (CliError naming the file, size and limit)', () => {
    const file = join(dir, 'huge.png');
    const bytes = blackPng(12000, 12000);
    expect(bytes.length).toBeLessThan(300_000);
    writeFileSync(file, bytes);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    let err: unknown;
    try {
      readImage(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect(String(err)).toContain(`${file}: is 12000×12000 (144000000 pixels), more than the ${MAX_IMAGE_PIXELS} this reads`);
    // Refused from the header: no 576 MB RGBA buffer was decoded.
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('the limit is configurable (option, then TESSERA_MAX_IMAGE_PIXELS); images within it decode', () => {
    const png = new PNG({ width: 4, height: 3 });
    png.data.fill(255);
    const file = join(dir, 'small.png');
    writeFileSync(file, PNG.sync.write(png));
    expect(readImage(file).shape).toEqual([3, 3, 4]);
    expect(() => readImage(file, { maxPixels: 11 })).toThrow(/is 4×3 \(12 pixels\), more than the 11 this reads/);
    const old = process.env.TESSERA_MAX_IMAGE_PIXELS;
    try {
      process.env.TESSERA_MAX_IMAGE_PIXELS = '10';
      expect(() => readImage(file)).toThrow(/more than the 10 this reads/);
      process.env.TESSERA_MAX_IMAGE_PIXELS = 'lots';
      expect(() => readImage(file)).toThrow(/TESSERA_MAX_IMAGE_PIXELS must be a positive integer \(got 'lots'\)/);
    } finally {
      if (old === undefined) delete process.env.TESSERA_MAX_IMAGE_PIXELS;
      else process.env.TESSERA_MAX_IMAGE_PIXELS = old;
    }
  });
});

describe('readImage: PNG and JPEG through @tessera/datasets\' decoders', () => {
  /** 4×2 RGBA: red, green, blue, white on top; a half-transparent black row below. */
  const rgba = Uint8Array.from([
    ...[255, 0, 0, 255], ...[0, 255, 0, 255], ...[0, 0, 255, 255], ...[255, 255, 255, 255],
    ...[0, 0, 0, 128], ...[0, 0, 0, 128], ...[0, 0, 0, 128], ...[0, 0, 0, 128],
  ]);

  it('decodes a JPEG (jpeg-js) to RGB floats close to its pixels; the same file by its .png name too', () => {
    // Flat 8×8 blocks of one colour each survive JPEG almost exactly.
    const w = 16;
    const h = 8;
    const px = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) px.set((i % w) < 8 ? [200, 40, 10, 255] : [20, 90, 230, 255], 4 * i);
    const file = join(dir, 'photo.jpg');
    writeFileSync(file, jpeg.encode({ width: w, height: h, data: px }, 95).data);
    const img = readImage(file);
    expect(img.shape).toEqual([3, h, w]);
    const at = (c: number, x: number, y: number): number => img.data[c * w * h + y * w + x];
    for (const [c, v] of [[0, 200], [1, 40], [2, 10]]) expect(Math.abs(at(c, 2, 3) * 255 - v)).toBeLessThan(6);
    for (const [c, v] of [[0, 20], [1, 90], [2, 230]]) expect(Math.abs(at(c, 12, 3) * 255 - v)).toBeLessThan(6);
    // The format comes from the bytes, not the name.
    const misnamed = join(dir, 'photo-really.png');
    writeFileSync(misnamed, readFileSync(file));
    expect(Array.from(readImage(misnamed).data)).toEqual(Array.from(img.data));
  });

  it("alpha: 'white' lays the image over white paper (default), 'drop' ignores it", () => {
    const png = new PNG({ width: 4, height: 2 });
    png.data = Buffer.from(rgba);
    const file = join(dir, 'alpha.png');
    writeFileSync(file, PNG.sync.write(png));
    const white = readImage(file);
    expect([white.data[0], white.data[8], white.data[16]]).toEqual([1, 0, 0]); // red on top, exact
    expect(white.data[4]).toBeCloseTo(1 - 128 / 255, 6); // black at alpha 128 over white
    expect(readImage(file, { alpha: 'drop' }).data[4]).toBe(0);
  });

  it('a file that is neither PNG nor JPEG, or a damaged JPEG, is a CliError naming the file', () => {
    const gif = join(dir, 'x.gif');
    writeFileSync(gif, 'GIF89a not really');
    expect(() => readImage(gif)).toThrow(CliError);
    expect(() => readImage(gif)).toThrow(/x\.gif: is not a PNG or JPEG file/);
    const cut = join(dir, 'cut.jpg');
    const whole = jpeg.encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(100) }, 90).data;
    writeFileSync(cut, whole.subarray(0, 200));
    expect(() => readImage(cut)).toThrow(/cut\.jpg: /);
  });
});

describe('prepareImage', () => {
  it("resize: 'center-crop' keeps the aspect ratio; invertLight: false never inverts", () => {
    // 3×2×4, grey in colour: a light image whose middle two columns are dark.
    const img = { data: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]), shape: [3, 2, 4] as const };
    const cropped = prepareImage(img, [1, 2, 2], { resize: 'center-crop', invertLight: false });
    expect(cropped.inverted).toBe(false);
    expect(Array.from(cropped.image.data)).toEqual([0, 0, 0, 0]);
    const stretched = prepareImage(img, [1, 2, 2]);
    expect(stretched.image.data[0]).toBeCloseTo(0.5, 6); // squeezed, and not light enough to invert
  });
});
