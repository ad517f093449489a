import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, manualSeed, memory, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  CIFAR10_RECORD,
  DataLoader,
  ImageDataset,
  normalize,
  parseCifar10,
  randomCrop,
  randomHorizontalFlip,
} from '../src/index.js';
import { CIFAR10 } from '../src/node.js';
import { cifarArchive, gzipSync } from './helpers/fixtures.js';
import { gunzipSync } from 'node:zlib';

let dir: string;
beforeAll(async () => {
  use(cpu());
  await init();
  dir = mkdtempSync(join(tmpdir(), 'tessera-cifar-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** n records: label i % 10, red plane = i, green = 100, blue = 200. */
function batchBytes(n: number, first = 0): Uint8Array {
  const out = new Uint8Array(n * CIFAR10_RECORD);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR10_RECORD;
    out[o] = (first + i) % 10;
    out.fill((first + i) % 256, o + 1, o + 1025);
    out.fill(100, o + 1025, o + 2049);
    out.fill(200, o + 2049, o + 3073);
  }
  return out;
}

describe('CIFAR-10 binary batches', () => {
  it('parses records into [N, 3, 32, 32] planes and labels', () => {
    const { images, labels } = parseCifar10(batchBytes(3), 'b.bin');
    expect(Array.from(labels)).toEqual([0, 1, 2]);
    expect(images.length).toBe(3 * 3072);
    expect([images[3072 + 5], images[3072 + 1024 + 5], images[3072 + 2048 + 5]]).toEqual([1, 100, 200]);
  });

  it('rejects truncated files and labels above 9 naming the file', () => {
    expect(() => parseCifar10(batchBytes(2).subarray(0, 5000), 'cut.bin')).toThrow(DataError);
    expect(() => parseCifar10(batchBytes(2).subarray(0, 5000), 'cut.bin')).toThrow(/cut\.bin: 5000 bytes is not a whole number of 3073-byte/);
    expect(() => parseCifar10(new Uint8Array(0), 'empty.bin')).toThrow(/empty\.bin/);
    const bad = batchBytes(2);
    bad[CIFAR10_RECORD] = 42;
    expect(() => parseCifar10(bad, 'c100.bin')).toThrow(/c100\.bin: record 1 has label 42/);
  });

  it('CIFAR10.load reads the five train batches or the test batch from cifar-10-batches-bin', async () => {
    const sub = join(dir, 'cifar-10-batches-bin');
    mkdirSync(sub, { recursive: true });
    for (let i = 1; i <= 5; i++) writeFileSync(join(sub, `data_batch_${i}.bin`), batchBytes(2, (i - 1) * 2));
    await expect(CIFAR10.load({ root: dir, split: 'test', dataDir: join(dir, 'cache') })).rejects.toThrow(/cifar-10-binary\.tar\.gz not found in .*download: true/);
    writeFileSync(join(sub, 'test_batch.bin'), batchBytes(3));
    const train = await CIFAR10.load({ root: dir });
    expect(train.length).toBe(10);
    expect(train.shape).toEqual([10, 3, 32, 32]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(train.classes[3]).toBe('cat');
    expect((await CIFAR10.load({ root: sub, split: 'test' })).length).toBe(3);
  });

  it('CIFAR10.load reads cifar-10-binary.tar.gz from root without extracting; damaged archives name the file', async () => {
    const root = join(dir, 'archive');
    mkdirSync(root, { recursive: true });
    const archive = cifarArchive();
    writeFileSync(join(root, 'cifar-10-binary.tar.gz'), archive);
    const test = await CIFAR10.load({ root, split: 'test' });
    expect(test.shape).toEqual([3, 3, 32, 32]);
    expect((await CIFAR10.load({ root })).length).toBe(10);
    writeFileSync(join(root, 'cifar-10-binary.tar.gz'), archive.subarray(0, archive.length - 40));
    await expect(CIFAR10.load({ root, split: 'test' })).rejects.toThrow(/cifar-10-binary\.tar\.gz: is a damaged gzip file/);
    const tar = gunzipSync(archive);
    writeFileSync(join(root, 'cifar-10-binary.tar.gz'), gzipSync(tar.subarray(0, 20000)));
    await expect(CIFAR10.load({ root })).rejects.toThrow(/cifar-10-binary\.tar\.gz: tar (entry 'cifar-10-batches-bin\/data_batch_\d\.bin' needs|archive is truncated)/);
  });
});

describe('transforms', () => {
  it('normalize per channel', () => {
    const x = tensor(Float32Array.from([1, 1, 3, 3]), { shape: [1, 2, 1, 2] });
    expect(Array.from(normalize(x, [1, 1], [1, 2]).dataSync())).toEqual([0, 0, 1, 1]);
    expect(() => normalize(x, [0], [1])).toThrow(/2 channel/);
  });

  it('randomHorizontalFlip flips some images, seeded', () => {
    const x = tensor(Float32Array.from({ length: 16 * 3 }, (_, i) => i % 3), { shape: [16, 1, 1, 3] });
    manualSeed(3);
    const a = Array.from(randomHorizontalFlip(x).dataSync());
    manualSeed(3);
    expect(Array.from(randomHorizontalFlip(x).dataSync())).toEqual(a);
    const rows = Array.from({ length: 16 }, (_, i) => a.slice(3 * i, 3 * i + 3).join(','));
    expect(rows.every((r) => r === '0,1,2' || r === '2,1,0')).toBe(true);
    expect(rows.some((r) => r === '0,1,2')).toBe(true);
    expect(rows.some((r) => r === '2,1,0')).toBe(true);
    expect(Array.from(randomHorizontalFlip(x, 0).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('randomCrop keeps the shape, shifts content within the padding, seeded', () => {
    const x = tensor(Float32Array.from({ length: 8 * 16 }, () => 1), { shape: [8, 1, 4, 4] });
    manualSeed(5);
    const y = randomCrop(x, 2);
    expect(y.shape).toEqual([8, 1, 4, 4]);
    const v = Array.from(y.dataSync());
    manualSeed(5);
    expect(Array.from(randomCrop(x, 2).dataSync())).toEqual(v);
    const sums = Array.from({ length: 8 }, (_, i) => v.slice(16 * i, 16 * i + 16).reduce((s, a) => s + a, 0));
    expect(sums.every((s) => s >= 4 && s <= 16)).toBe(true); // at least a 2×2 corner of ones survives
    expect(new Set(sums).size).toBeGreaterThan(1);
    expect(randomCrop(x, 1, [3, 3]).shape).toEqual([8, 1, 3, 3]);
    expect(() => randomCrop(x, 0, [5, 5])).toThrow(DataError);
  });

  it('DataLoader transform runs inside tidy and leaks nothing', async () => {
    const n = 20;
    const ds = new ImageDataset(new Uint8Array(n * 3 * 8 * 8).fill(128), Int32Array.from({ length: n }, (_, i) => i % 10), [3, 8, 8]);
    const loader = new DataLoader(ds, {
      batchSize: 6,
      shuffle: true,
      transform: ({ x, y }) => ({ x: normalize(randomHorizontalFlip(randomCrop(x, 2)), [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]), y }),
    });
    const before = memory().numTensors;
    let seen = 0;
    for await (const { x, y } of loader) {
      expect(x.shape).toEqual([y.shape[0], 3, 8, 8]);
      seen += y.shape[0];
    }
    expect(seen).toBe(n);
    expect(memory().numTensors).toBe(before);
  });
});

describe('browser entry point', () => {
  it('src/index.ts and everything it imports use no node: modules', () => {
    const seen = new Set<string>();
    const visit = (file: URL): void => {
      if (seen.has(file.href)) return;
      seen.add(file.href);
      const text = readFileSync(file, 'utf8');
      expect(text, file.pathname).not.toMatch(/from 'node:|require\(|process\./);
      for (const m of text.matchAll(/from '(\.{1,2}\/[\w/.-]+)\.js'/g)) visit(new URL(`${m[1]}.ts`, file));
    };
    visit(new URL('../src/index.ts', import.meta.url));
    expect(seen.size).toBeGreaterThan(15);
    expect([...seen].some((f) => f.includes('/node'))).toBe(false);
  });
});
