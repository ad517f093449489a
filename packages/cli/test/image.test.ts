import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { MAX_IMAGE_PIXELS, readPng } from '../src/image.js';

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

describe('readPng pixel limit', () => {
  it('a 12000×12000 PNG of ~140 KB is refused from its header, before decoding (CliError naming the file, size and limit)', () => {
    const file = join(dir, 'huge.png');
    const bytes = blackPng(12000, 12000);
    expect(bytes.length).toBeLessThan(300_000);
    writeFileSync(file, bytes);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    let err: unknown;
    try {
      readPng(file);
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
    expect(readPng(file).shape).toEqual([3, 3, 4]);
    expect(() => readPng(file, { maxPixels: 11 })).toThrow(/is 4×3 \(12 pixels\), more than the 11 this reads/);
    const old = process.env.TESSERA_MAX_IMAGE_PIXELS;
    try {
      process.env.TESSERA_MAX_IMAGE_PIXELS = '10';
      expect(() => readPng(file)).toThrow(/more than the 10 this reads/);
      process.env.TESSERA_MAX_IMAGE_PIXELS = 'lots';
      expect(() => readPng(file)).toThrow(/TESSERA_MAX_IMAGE_PIXELS must be a positive integer \(got 'lots'\)/);
    } finally {
      if (old === undefined) delete process.env.TESSERA_MAX_IMAGE_PIXELS;
      else process.env.TESSERA_MAX_IMAGE_PIXELS = old;
    }
  });
});
