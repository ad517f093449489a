import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, encodeIdx, parseIdx, parseIdxImages, parseIdxLabels } from '../src/index.js';
import { FashionMNIST, MNIST, readDataFile } from '../src/node.js';

let dir: string;
beforeAll(async () => {
  use(cpu());
  await init();
  dir = mkdtempSync(join(tmpdir(), 'tessera-idx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** n images of 28×28 where image i is filled with byte i, labels i % 10. */
function fixture(n: number): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) pixels.fill(i, i * 784, (i + 1) * 784);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return { images: encodeIdx([n, 28, 28], pixels), labels: encodeIdx([n], labels) };
}

function writeSet(sub: string, files: Record<string, Uint8Array>): string {
  const d = join(dir, sub);
  rmSync(d, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    const p = join(d, name);
    require_dir(p);
    writeFileSync(p, bytes);
  }
  return d;
}
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
function require_dir(p: string): void {
  mkdirSync(dirname(p), { recursive: true });
}

describe('parseIdx', () => {
  it('reads the real header layout (big-endian magic and dims)', () => {
    const bytes = encodeIdx([2, 3], new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(Array.from(bytes.subarray(0, 12))).toEqual([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    const r = parseIdx(bytes, 'x.idx');
    expect(r.dims).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const { images, labels } = fixture(3);
    expect(new DataView(images.buffer).getUint32(0)).toBe(0x00000803);
    expect(new DataView(labels.buffer).getUint32(0)).toBe(0x00000801);
    expect(parseIdxImages(images, 'a')).toMatchObject({ count: 3, rows: 28, cols: 28 });
    expect(Array.from(parseIdxLabels(labels, 'b'))).toEqual([0, 1, 2]);
  });

  it('rejects wrong magic, swapped files, truncation, trailing bytes, gzip, bad labels', () => {
    const { images, labels } = fixture(2);
    const bad = images.slice();
    bad[2] = 0x0d; // int32 data type
    expect(() => parseIdxImages(bad, 'bad.idx')).toThrow(DataError);
    expect(() => parseIdxImages(bad, 'bad.idx')).toThrow(/bad\.idx: bad magic number 0x00000d03/);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]);
    expect(() => parseIdx(png, 'img.png')).toThrow(/img\.png: bad magic/);
    expect(() => parseIdxImages(labels, 'labels.idx')).toThrow(/labels\.idx: .*1 dimension.*0x00000803.*swapped/);
    expect(() => parseIdxLabels(images, 'images.idx')).toThrow(/images\.idx: .*3 dimension.*0x00000801/);
    expect(() => parseIdxImages(images.subarray(0, images.length - 1), 'short.idx')).toThrow(/short\.idx: is truncated: 1583 bytes.*needs 1584/);
    expect(() => parseIdxImages(images.subarray(0, 10), 'hdr.idx')).toThrow(/hdr\.idx: is truncated.*header alone needs 16/);
    expect(() => parseIdx(new Uint8Array(2), 'tiny.idx')).toThrow(/tiny\.idx: is 2 bytes long/);
    const extra = new Uint8Array(labels.length + 3);
    extra.set(labels);
    expect(() => parseIdxLabels(extra, 'extra.idx')).toThrow(/extra\.idx: has 3 trailing bytes/);
    expect(() => parseIdx(gzipSync(labels), 'z.gz')).toThrow(/z\.gz: is gzip-compressed/);
    expect(() => parseIdxLabels(encodeIdx([2], new Uint8Array([1, 10])), 'l.idx')).toThrow(/l\.idx: label 1 is 10, outside 0\.\.9/);
    // A huge header count must not be trusted (no allocation, just an error).
    const lying = labels.slice();
    new DataView(lying.buffer).setUint32(4, 0x7fff0000);
    expect(() => parseIdxLabels(lying, 'lying.idx')).toThrow(/lying\.idx: is truncated/);
  });
});

describe('MNIST.load / FashionMNIST.load from files', () => {
  it('loads raw and gzip files into a [N, 1, 28, 28] dataset', async () => {
    const tr = fixture(12);
    const te = fixture(5);
    const root = writeSet('ok', {
      'train-images-idx3-ubyte.gz': gzipSync(tr.images),
      'train-labels-idx1-ubyte.gz': gzipSync(tr.labels),
      't10k-images-idx3-ubyte': te.images,
      't10k-labels-idx1-ubyte': te.labels,
    });
    const train = await MNIST.load({ root, split: 'train' });
    expect(train.length).toBe(12);
    expect(train.shape).toEqual([12, 1, 28, 28]);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.labels).toBeInstanceOf(Int32Array);
    expect(train.get(7)).toMatchObject({ label: 7 });
    expect(train.get(7).image[100]).toBe(7);
    const test = await FashionMNIST.load({ root, split: 'test' });
    expect(test.length).toBe(5);
    expect(test.classes[9]).toBe('Ankle boot');
    let seen = 0;
    for await (const { x, y } of new DataLoader(train, { batchSize: 5 })) {
      expect(x.shape).toEqual([y.shape[0], 1, 28, 28]);
      seen += y.shape[0];
    }
    expect(seen).toBe(12);
  });

  it('missing files: DataError naming the files, the directories, the URLs and the fix', async () => {
    const root = writeSet('empty', { 'README': new Uint8Array() });
    const dataDir = join(dir, 'no-cache');
    await expect(MNIST.load({ root, dataDir })).rejects.toThrow(DataError);
    await expect(MNIST.load({ root, dataDir })).rejects.toThrow(
      /MNIST: train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz not found in .*empty or the cache .*no-cache.mnist\. Pass download: true .*https:\/\/ossci-datasets.*put the files in .*no-cache.mnist by hand.*TESSERA_DATA_DIR/,
    );
    await expect(FashionMNIST.load({ root, split: 'test', dataDir })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz.*fashion-mnist/);
  });

  it('truncated gzip, truncated raw, wrong magic and mismatched counts are DataErrors naming the file', async () => {
    const tr = fixture(4);
    const gz = gzipSync(tr.images);
    let root = writeSet('trunc-gz', {
      'train-images-idx3-ubyte.gz': gz.subarray(0, gz.length - 20),
      'train-labels-idx1-ubyte.gz': gzipSync(tr.labels),
    });
    await expect(MNIST.load({ root })).rejects.toThrow(/train-images-idx3-ubyte\.gz: is a damaged gzip file/);
    root = writeSet('trunc-raw', {
      'train-images-idx3-ubyte': tr.images.subarray(0, 500),
      'train-labels-idx1-ubyte': tr.labels,
    });
    await expect(MNIST.load({ root })).rejects.toThrow(/train-images-idx3-ubyte: is truncated: 500 bytes/);
    root = writeSet('swapped', {
      'train-images-idx3-ubyte': tr.labels,
      'train-labels-idx1-ubyte': tr.images,
    });
    await expect(MNIST.load({ root })).rejects.toThrow(/train-images-idx3-ubyte: magic number 0x00000801/);
    root = writeSet('mismatch', {
      'train-images-idx3-ubyte': tr.images,
      'train-labels-idx1-ubyte': fixture(3).labels,
    });
    await expect(MNIST.load({ root })).rejects.toThrow(/4 images but .* 3 labels/);
    root = writeSet('size', {
      'train-images-idx3-ubyte': encodeIdx([1, 2, 2], new Uint8Array(4)),
      'train-labels-idx1-ubyte': encodeIdx([1], new Uint8Array(1)),
    });
    await expect(MNIST.load({ root })).rejects.toThrow(/images are 2×2/);
    expect(() => readDataFile(join(dir, 'nope'))).toThrow(/nope: cannot be read/);
  });
});
