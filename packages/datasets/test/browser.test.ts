import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { cifar10FromTar, encodeTar, fetchBytes, fetchDataset, gunzip, isGzip, parseTar } from '../src/index.js';
import { checksumOf, cifarArchive, idxGzFiles } from './helpers/fixtures.js';
import { startServer, type FixtureServer } from './helpers/server.js';

// The browser entry uses only fetch, DecompressionStream and Web Crypto, which Node 20 has too.
let server: FixtureServer;
beforeAll(async () => {
  use(cpu());
  await init();
  server = await startServer();
});
afterAll(() => server.close());

describe('gunzip (DecompressionStream)', () => {
  it('decompresses gzip, passes other bytes through, rejects damaged streams naming the file', async () => {
    const raw = Uint8Array.from({ length: 5000 }, (_, i) => i % 7);
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(Array.from(await gunzip(gz, 'a.gz'))).toEqual(Array.from(raw));
    expect(await gunzip(raw, 'a.bin')).toBe(raw);
    await expect(gunzip(gz.subarray(0, gz.length - 30), 'cut.gz')).rejects.toThrow(DataError);
    await expect(gunzip(gz.subarray(0, gz.length - 30), 'cut.gz')).rejects.toThrow(/cut\.gz: is a damaged gzip file/);
  });
});

describe('tar', () => {
  it('round-trips ustar archives and reads CIFAR-10 batches from cifar-10-binary.tar.gz', async () => {
    const files = parseTar(encodeTar({ 'a/b.bin': new Uint8Array([1, 2, 3]), 'empty': new Uint8Array(0) }), 't.tar');
    expect([...files.keys()]).toEqual(['a/b.bin', 'empty']);
    expect(Array.from(files.get('a/b.bin')!)).toEqual([1, 2, 3]);
    const tar = await gunzip(cifarArchive(), 'c.tar.gz');
    const test = cifar10FromTar(tar, 'c.tar.gz', 'test');
    expect(test.shape).toEqual([3, 3, 32, 32]);
    expect(cifar10FromTar(tar, 'c.tar.gz', 'train').length).toBe(10);
  });

  it('rejects damaged, truncated and foreign archives naming the file', async () => {
    const tar = encodeTar({ 'x.bin': new Uint8Array(700) });
    const bad = tar.slice();
    bad[10] ^= 1;
    expect(() => parseTar(bad, 'bad.tar')).toThrow(/bad\.tar: tar header at byte 0 has checksum/);
    expect(() => parseTar(tar.subarray(0, 900), 'cut.tar')).toThrow(/cut\.tar: tar entry 'x\.bin' needs 700 bytes/);
    expect(() => parseTar(tar.subarray(0, 1536), 'end.tar')).toThrow(/end\.tar: tar archive is truncated/);
    expect(() => cifar10FromTar(tar, 'other.tar', 'test')).toThrow(/other\.tar: has no cifar-10-batches-bin\/test_batch\.bin/);
    const cut = encodeTar({ 'cifar-10-batches-bin/test_batch.bin': new Uint8Array(3073 * 2 - 5) });
    expect(() => cifar10FromTar(cut, 'c.tar', 'test')).toThrow(/c\.tar:cifar-10-batches-bin\/test_batch\.bin: 6141 bytes is not a whole number/);
  });
});

describe('fetchBytes / fetchDataset against a local server', () => {
  const files = idxGzFiles(6, 4);
  const checksums = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, checksumOf(v)]));
  beforeAll(() => {
    for (const [name, bytes] of Object.entries(files)) server.route(`/web/${name}`, { body: bytes });
  });

  it('fetchDataset: a 404 mirror, then the one that has it; gunzipped, verified, parsed', async () => {
    const loaded: number[] = [];
    const ds = await fetchDataset('mnist', {
      split: 'train',
      mirrors: [`${server.base}/nothing/`, `${server.base}/web/`],
      checksums,
      onProgress: (p) => loaded.push(p.loaded),
    });
    expect(ds.shape).toEqual([6, 1, 28, 28]);
    expect(ds.get(3).image[5]).toBe(3);
    expect(loaded.length).toBeGreaterThan(0);
    const fashion = await fetchDataset('fashion-mnist', { split: 'test', mirrors: [`${server.base}/web/`], checksums });
    expect(fashion.classes[0]).toBe('T-shirt/top');
  });

  it('fetchDataset cifar-10 from the archive', async () => {
    const archive = cifarArchive();
    server.route('/webc/cifar-10-binary.tar.gz', { body: archive });
    const ds = await fetchDataset('cifar-10', { split: 'test', mirrors: [`${server.base}/webc/`], checksums: { 'cifar-10-binary.tar.gz': checksumOf(archive) } });
    expect(ds.length).toBe(3);
  });

  it('checksum mismatch and dropped connections are DataErrors listing each URL', async () => {
    const body = files['t10k-labels-idx1-ubyte.gz'];
    const wrong = body.slice();
    wrong[wrong.length - 1] ^= 1;
    server.route('/w1/f.gz', { body: wrong });
    server.route('/w2/f.gz', { body, dropAfter: 10 });
    const err = await fetchBytes('f.gz', [`${server.base}/w1/`, `${server.base}/w2/`], checksumOf(body)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String(err)).toMatch(/f\.gz: could not be downloaded; tried .*\/w1\/f\.gz \(SHA-256 mismatch.*\), .*\/w2\/f\.gz \(.+\)\. Host f\.gz yourself/);
    // the real published checksum rejects a fixture
    await expect(fetchDataset('mnist', { split: 'test', mirrors: [`${server.base}/web/`] })).rejects.toThrow(/\(the server announces \d+ bytes, expected (1648877|4542)\)/);
  });
});
