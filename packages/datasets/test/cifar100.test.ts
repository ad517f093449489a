import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '@tessera/core';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR100_RECORD, CIFAR100_SOURCE, fetchDataset, parseCifar100 } from '../src/index.js';
import { CIFAR100 } from '../src/node.js';
import { checksumOf, cifar100Archive, cifar100Records, gzipSync } from './helpers/fixtures.js';
import { startServer, type FixtureServer } from './helpers/server.js';

let dir: string;
let server: FixtureServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-cifar100-'));
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CIFAR-100 binary files', () => {
  it('parses coarse label, fine label and R, G, B planes per record', () => {
    const { images, coarse, fine } = parseCifar100(cifar100Records(3, 19), 'train.bin');
    expect(Array.from(coarse)).toEqual([19, 0, 1]);
    expect(Array.from(fine)).toEqual([19, 20, 21]);
    expect(images.length).toBe(3 * 3072);
    expect([images[3072 + 7], images[3072 + 1024 + 7], images[3072 + 2048 + 7]]).toEqual([20, 50, 250]);
  });

  it('a truncated file is a DataError naming the file, its size and the record size', () => {
    const cut = cifar100Records(2).subarray(0, 4000);
    expect(() => parseCifar100(cut, 'train.bin')).toThrow(DataError);
    expect(() => parseCifar100(cut, 'train.bin')).toThrow(/train\.bin: 4000 bytes is not a whole number of 3074-byte CIFAR-100 records .*1 whole record would be 3074 bytes/);
    expect(() => parseCifar100(new Uint8Array(0), 'empty.bin')).toThrow(/empty\.bin: 0 bytes/);
    // A CIFAR-10 batch of 2 records (6146 bytes) is not a whole number of CIFAR-100 records.
    expect(() => parseCifar100(new Uint8Array(2 * 3073), 'data_batch_1.bin')).toThrow(/data_batch_1\.bin: 6146 bytes/);
  });

  it('labels outside 0..19 (coarse) or 0..99 (fine) are rejected naming the record', () => {
    const bad = cifar100Records(2);
    bad[CIFAR100_RECORD] = 20;
    expect(() => parseCifar100(bad, 'c.bin')).toThrow(/c\.bin: record 1 has coarse label 20, outside 0\.\.19/);
    const badFine = cifar100Records(2);
    badFine[1] = 100;
    expect(() => parseCifar100(badFine, 'f.bin')).toThrow(/f\.bin: record 0 has fine label 100, outside 0\.\.99/);
  });

  it('has the 100 fine names (sorted, as fine_label_names.txt) and 20 coarse names', () => {
    expect(CIFAR100_FINE_CLASSES.length).toBe(100);
    expect(new Set(CIFAR100_FINE_CLASSES).size).toBe(100);
    expect([...CIFAR100_FINE_CLASSES].sort()).toEqual([...CIFAR100_FINE_CLASSES]);
    expect(CIFAR100_COARSE_CLASSES.length).toBe(20);
    expect(new Set(CIFAR100_COARSE_CLASSES).size).toBe(20);
    expect([CIFAR100_FINE_CLASSES[0], CIFAR100_FINE_CLASSES[99], CIFAR100_COARSE_CLASSES[0], CIFAR100_COARSE_CLASSES[19]]).toEqual(['apple', 'worm', 'aquatic_mammals', 'vehicles_2']);
  });

  it('the published archive checksum is in the source (MD5 from the dataset page)', () => {
    expect(CIFAR100_SOURCE.files['cifar-100-binary.tar.gz']).toMatchObject({ size: 168513733, md5: '03b5dce01913d631647c71ecec9e9cb8' });
  });
});

describe('CIFAR100.load', () => {
  it('reads extracted train.bin / test.bin from root/cifar-100-binary, fine or coarse labels', async () => {
    const root = join(dir, 'extracted');
    mkdirSync(join(root, 'cifar-100-binary'), { recursive: true });
    writeFileSync(join(root, 'cifar-100-binary', 'train.bin'), cifar100Records(5, 18));
    writeFileSync(join(root, 'cifar-100-binary', 'test.bin'), cifar100Records(1, 42));
    const cache = join(dir, 'cache-extracted');
    const fine = await CIFAR100.load({ root, dataDir: cache });
    expect(fine.shape).toEqual([5, 3, 32, 32]);
    expect(Array.from(fine.labels)).toEqual([18, 19, 20, 21, 22]);
    expect(fine.classes[fine.labels[0]]).toBe('caterpillar');
    expect(fine.classes.length).toBe(100);
    const coarse = await CIFAR100.load({ root, dataDir: cache, label: 'coarse' });
    expect(Array.from(coarse.labels)).toEqual([18, 19, 0, 1, 2]);
    expect(coarse.classes).toBe(CIFAR100_COARSE_CLASSES);
    expect(Array.from(coarse.fine)).toEqual([18, 19, 20, 21, 22]);
    const test = await CIFAR100.load({ root, dataDir: cache, split: 'test' });
    expect(Array.from(test.labels)).toEqual([42]);
    await expect(CIFAR100.load({ root, dataDir: cache, label: 'medium' as 'fine' })).rejects.toThrow(/label must be 'fine' .* or 'coarse'/);
  });

  it('reads cifar-100-binary.tar.gz from root without extracting; a truncated member names archive and member', async () => {
    const root = join(dir, 'archive');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'cifar-100-binary.tar.gz'), cifar100Archive());
    const ds = await CIFAR100.load({ root, dataDir: join(dir, 'cache-a'), split: 'test', label: 'coarse' });
    expect(Array.from(ds.labels)).toEqual([17, 18]);
    expect(Array.from(ds.fine)).toEqual([97, 98]);
    const { encodeTar } = await import('../src/index.js');
    const broken = join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'cifar-100-binary.tar.gz'), gzipSync(encodeTar({ 'cifar-100-binary/train.bin': cifar100Records(2).subarray(0, 5000) })));
    await expect(CIFAR100.load({ root: broken, dataDir: join(dir, 'cache-b') })).rejects.toThrow(/cifar-100-binary\.tar\.gz:cifar-100-binary\/train\.bin: 5000 bytes/);
    await expect(CIFAR100.load({ root: broken, dataDir: join(dir, 'cache-b'), split: 'test' })).rejects.toThrow(/has no cifar-100-binary\/test\.bin/);
  });

  it('a missing archive says where to put it; download: true fetches it into the cache, checked', async () => {
    const cache = join(dir, 'cache-dl');
    await expect(CIFAR100.load({ dataDir: cache })).rejects.toThrow(/CIFAR-100: cifar-100-binary\.tar\.gz not found in the cache .*download: true/);
    const archive = cifar100Archive();
    server.route('/c100/cifar-100-binary.tar.gz', { body: archive });
    const opts = { dataDir: cache, download: true, progress: false, mirrors: [`${server.base}/c100/`], checksums: { 'cifar-100-binary.tar.gz': checksumOf(archive) } } as const;
    const ds = await CIFAR100.load(opts);
    expect(Array.from(ds.labels)).toEqual([30, 31, 32, 33]);
    // A copy that does not match the published checksum is refused.
    const wrong = join(dir, 'cache-wrong');
    await expect(CIFAR100.load({ ...opts, dataDir: wrong, checksums: undefined })).rejects.toThrow(/cifar-100-binary\.tar\.gz: could not be downloaded/);
  });

  it("fetchDataset('cifar-100') fetches, verifies and parses the archive", async () => {
    const archive = cifar100Archive();
    server.route('/f100/cifar-100-binary.tar.gz', { body: archive });
    const ds = await fetchDataset('cifar-100', { mirrors: [`${server.base}/f100/`], checksums: { 'cifar-100-binary.tar.gz': checksumOf(archive) }, split: 'test' });
    expect(Array.from(ds.labels)).toEqual([97, 98]);
    expect(ds.classes.length).toBe(100);
  });
});
