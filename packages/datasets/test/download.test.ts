import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { MNIST_SOURCE, type DownloadProgress } from '../src/index.js';
import { CIFAR10, downloadFile, FashionMNIST, MNIST } from '../src/node.js';
import { checksumOf, cifarArchive, idxGzFiles } from './helpers/fixtures.js';
import { startServer, type FixtureServer } from './helpers/server.js';

let server: FixtureServer;
let dir: string;
let n = 0;
/** A fresh, empty directory per test. */
const fresh = (): string => join(dir, `d${n++}`);
/** Everything in a directory, including hidden temp files. */
const list = (d: string): string[] => readdirSync(d).sort();

beforeAll(async () => {
  use(cpu());
  await init();
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'tessera-dl-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const payload = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251);
const good = checksumOf(payload);

describe('downloadFile', () => {
  it('streams a good file into place, verified, with progress and no temp file left', async () => {
    server.route('/a/good.bin', { body: payload });
    const d = fresh();
    const seen: DownloadProgress[] = [];
    const path = await downloadFile('good.bin', d, [`${server.base}/a/`], good, { progress: (p) => seen.push(p) });
    expect(path).toBe(join(d, 'good.bin'));
    expect(Buffer.compare(readFileSync(path), Buffer.from(payload))).toBe(0);
    expect(list(d)).toEqual(['good.bin']);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ file: 'good.bin', loaded: payload.length, total: payload.length });
  });

  it('tries mirrors in order: a 404 first, then the mirror that has it', async () => {
    server.route('/ok/m.bin', { body: payload });
    const d = fresh();
    const before = server.hits.length;
    await downloadFile('m.bin', d, [`${server.base}/missing/`, `${server.base}/ok`], good, { progress: false });
    expect(server.hits.slice(before)).toEqual(['/missing/m.bin', '/ok/m.bin']);
    expect(list(d)).toEqual(['m.bin']);
  });

  it('a checksum mismatch is a DataError naming the file and URL; nothing is left in the cache', async () => {
    const wrong = payload.slice();
    wrong[1000] ^= 0xff;
    server.route('/bad/c.bin', { body: wrong });
    const d = fresh();
    const err = await downloadFile('c.bin', d, [`${server.base}/bad/`], good, { progress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String(err)).toMatch(new RegExp(`c\\.bin: could not be downloaded; tried ${server.base}/bad/c\\.bin \\(SHA-256 mismatch: got [0-9a-f]{64}, expected ${good.sha256}\\)`));
    expect(String(err)).toMatch(/put it at .*c\.bin/);
    expect(list(d)).toEqual([]);
  });

  it('a server that drops the connection mid-file: error names the URL, no partial file; the next mirror succeeds', async () => {
    server.route('/drop/x.bin', { body: payload, dropAfter: 50_000 });
    server.route('/ok/x.bin', { body: payload });
    const d = fresh();
    const err = await downloadFile('x.bin', d, [`${server.base}/drop/`], good, { progress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String(err)).toContain(`${server.base}/drop/x.bin (`);
    expect(list(d)).toEqual([]);
    await downloadFile('x.bin', d, [`${server.base}/drop/`, `${server.base}/ok/`], good, { progress: false });
    expect(list(d)).toEqual(['x.bin']);
  });

  it('a wrong announced size fails before reading; a stalled server times out', async () => {
    server.route('/short/s.bin', { body: payload.subarray(0, 10) });
    server.route('/stall/s.bin', { body: payload, stallAfter: 1000 });
    const d = fresh();
    await expect(downloadFile('s.bin', d, [`${server.base}/short/`], good, { progress: false })).rejects.toThrow(/announces 10 bytes, expected 200000/);
    await expect(downloadFile('s.bin', d, [`${server.base}/stall/`], good, { progress: false, timeoutMs: 200 })).rejects.toThrow(/no data for 0\.2 s/);
    expect(list(d)).toEqual([]);
  });

  it('every mirror failing lists each URL with its reason', async () => {
    const d = fresh();
    const err = String(await downloadFile('none.bin', d, [`${server.base}/p/`, `${server.base}/q/`], good, { progress: false }).catch((e: unknown) => e));
    expect(err).toContain(`${server.base}/p/none.bin (HTTP 404 Not Found), ${server.base}/q/none.bin (HTTP 404 Not Found)`);
  });

  it('a file name with a path in it is a DataError; nothing is requested or written outside the directory', async () => {
    server.route('/x.gz', { body: payload });
    const d = fresh();
    const inner = join(d, 'a', 'b');
    const before = server.hits.length;
    for (const bad of ['/../../x.gz', '../x.gz', 'sub/x.gz', 'sub\\x.gz', '..', '.', '']) {
      const err = await downloadFile(bad, inner, [`${server.base}/a/`], good, { progress: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(String(err)).toContain(`downloadFile: the file name ${JSON.stringify(bad)} is not a plain file name`);
    }
    expect(server.hits.length).toBe(before);
    expect(existsSync(join(d, 'x.gz'))).toBe(false);
    expect(existsSync(inner)).toBe(false);
  });

  it('a file already at the destination is kept as <name>.mismatch-1 once a verified copy replaces it, and named', async () => {
    server.route('/ok/r.bin', { body: payload });
    const d = fresh();
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'r.bin'), 'mine');
    const notices: string[] = [];
    await downloadFile('r.bin', d, [`${server.base}/ok/`], good, { progress: false, notice: (m) => notices.push(m) });
    expect(list(d)).toEqual(['r.bin', 'r.bin.mismatch-1']);
    expect(Buffer.compare(readFileSync(join(d, 'r.bin')), Buffer.from(payload))).toBe(0);
    expect(readFileSync(join(d, 'r.bin.mismatch-1'), 'utf8')).toBe('mine');
    expect(notices).toEqual([`${join(d, 'r.bin')}: did not match the published file; it was kept as ${join(d, 'r.bin.mismatch-1')} and the verified download put in its place.`]);
  });

  it('cancelling stops at once and leaves nothing', async () => {
    server.route('/stall/k.bin', { body: payload, stallAfter: 10 });
    const d = fresh();
    const ctrl = new AbortController();
    const p = downloadFile('k.bin', d, [`${server.base}/stall/`, `${server.base}/ok/`], good, { progress: false, signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 50);
    await expect(p).rejects.toThrow();
    expect(server.hits).not.toContain('/ok/k.bin');
    expect(list(d)).toEqual([]);
  });
});

describe('MNIST / Fashion-MNIST / CIFAR-10 download: true', () => {
  const files = idxGzFiles(12, 5);
  const checksums = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, checksumOf(v)]));
  beforeAll(() => {
    for (const [name, bytes] of Object.entries(files)) server.route(`/mnist/${name}`, { body: bytes });
  });

  it('downloads into <dataDir>/mnist, then loads from the cache without the network', async () => {
    const dataDir = fresh();
    const opts = { dataDir, download: true, mirrors: [`${server.base}/gone/`, `${server.base}/mnist/`], checksums, progress: false } as const;
    const train = await MNIST.load({ ...opts, split: 'train' });
    expect(train.shape).toEqual([12, 1, 28, 28]);
    expect(train.get(7).image[0]).toBe(7);
    expect(list(join(dataDir, 'mnist'))).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    const hits = server.hits.length;
    const again = await MNIST.load({ dataDir, checksums, split: 'train' }); // no download flag: cache only
    expect(again.length).toBe(12);
    expect(server.hits.length).toBe(hits);
    const test = await FashionMNIST.load({ ...opts, split: 'test' });
    expect(test.length).toBe(5);
    expect(list(join(dataDir, 'fashion-mnist'))).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  });

  it('TESSERA_DATA_DIR is the default cache', async () => {
    const dataDir = fresh();
    const old = process.env.TESSERA_DATA_DIR;
    process.env.TESSERA_DATA_DIR = dataDir;
    try {
      await MNIST.load({ split: 'test', download: true, mirrors: [`${server.base}/mnist/`], checksums, progress: false });
      expect(list(join(dataDir, 'mnist'))).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    } finally {
      process.env.TESSERA_DATA_DIR = old;
    }
  });

  it('the published checksums reject files that are not the real MNIST, and the cache stays empty', async () => {
    const dataDir = fresh();
    const err = await MNIST.load({ split: 'test', dataDir, download: true, mirrors: [`${server.base}/mnist/`], progress: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String(err)).toMatch(/t10k-images-idx3-ubyte\.gz: could not be downloaded; tried .*\/mnist\/t10k-images-idx3-ubyte\.gz \(the server announces \d+ bytes, expected 1648877\)/);
    expect(String(err)).toMatch(/Download t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz by hand \(see http:\/\/yann\.lecun\.com\/exdb\/mnist\/\) into .*mnist, or pass root/);
    expect(list(join(dataDir, 'mnist'))).toEqual([]);
  });

  it('a cached file of the wrong size is reported, or replaced when downloading and kept as .mismatch-1', async () => {
    const dataDir = fresh();
    const cache = join(dataDir, 'mnist');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 't10k-labels-idx1-ubyte.gz'), new Uint8Array(3));
    writeFileSync(join(cache, 't10k-images-idx3-ubyte.gz'), files['t10k-images-idx3-ubyte.gz']);
    await expect(MNIST.load({ split: 'test', dataDir, checksums })).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz: is 3 bytes, the published .* is \d+; move it away/);
    const notices: string[] = [];
    const ds = await MNIST.load({ split: 'test', dataDir, checksums, download: true, mirrors: [`${server.base}/mnist/`], progress: false, notice: (m) => notices.push(m) });
    expect(ds.length).toBe(5);
    expect(list(cache)).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz.mismatch-1']);
    expect(Array.from(readFileSync(join(cache, 't10k-labels-idx1-ubyte.gz.mismatch-1')))).toEqual([0, 0, 0]);
    expect(notices[0]).toContain(`kept as ${join(cache, 't10k-labels-idx1-ubyte.gz.mismatch-1')}`);
  });

  it('offline, a cached file of the wrong size stays exactly where it was, and the error says so', async () => {
    const dataDir = fresh();
    const cache = join(dataDir, 'mnist');
    mkdirSync(cache, { recursive: true });
    const mine = Uint8Array.from({ length: 1000 }, (_, i) => i % 7);
    writeFileSync(join(cache, 't10k-images-idx3-ubyte.gz'), mine);
    writeFileSync(join(cache, 't10k-labels-idx1-ubyte.gz'), files['t10k-labels-idx1-ubyte.gz']);
    const offline: typeof fetch = () => Promise.reject(new TypeError('fetch failed: getaddrinfo ENOTFOUND'));
    const err = await MNIST.load({ split: 'test', dataDir, checksums, download: true, mirrors: ['https://example.invalid/'], progress: false, fetch: offline }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String(err)).toContain(`The file already there, ${join(cache, 't10k-images-idx3-ubyte.gz')} (1000 bytes), was left as it was.`);
    expect(list(cache)).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    expect(Buffer.compare(readFileSync(join(cache, 't10k-images-idx3-ubyte.gz')), Buffer.from(mine))).toBe(0);
  });

  it('CIFAR10 downloads cifar-10-binary.tar.gz and reads both splits from it', async () => {
    const archive = cifarArchive();
    server.route('/cifar/cifar-10-binary.tar.gz', { body: archive });
    const dataDir = fresh();
    const opts = { dataDir, download: true, mirrors: [`${server.base}/cifar/`], checksums: { 'cifar-10-binary.tar.gz': checksumOf(archive) }, progress: false } as const;
    const train = await CIFAR10.load(opts);
    expect(train.shape).toEqual([10, 3, 32, 32]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const test = await CIFAR10.load({ ...opts, split: 'test', download: false });
    expect(test.length).toBe(3);
    expect(list(join(dataDir, 'cifar-10'))).toEqual(['cifar-10-binary.tar.gz']);
  });

  it('the real sources list the published values', () => {
    expect(MNIST_SOURCE.files['train-images-idx3-ubyte.gz']).toEqual({
      size: 9912422,
      sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    });
    for (const src of [MNIST.source, FashionMNIST.source, CIFAR10.source]) {
      expect(src.mirrors.length).toBeGreaterThan(0);
      for (const c of Object.values(src.files)) {
        expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(c.md5).toMatch(/^[0-9a-f]{32}$/);
        expect(c.size).toBeGreaterThan(4000);
      }
    }
    expect(Object.keys(FashionMNIST.source.files)).toEqual(Object.keys(MNIST.source.files));
  });
});
