import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { encodeIdx, gunzip, IDX_LIMITS, idxByteSize } from '../src/index.js';
import { MNIST, readDataFile } from '../src/node.js';
import { gzipSync, idxFixture } from './helpers/fixtures.js';

let dir: string;
let n = 0;
const fresh = (): string => {
  const d = join(dir, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

beforeAll(async () => {
  use(cpu());
  await init();
  dir = mkdtempSync(join(tmpdir(), 'tessera-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A gzip whose IDX header declares 10 images of 28×28 (7,856 bytes) but that inflates to 64 MiB: a small gzip bomb. */
function idxBomb(): Uint8Array {
  const body = new Uint8Array(64 * 2 ** 20);
  body.set(encodeIdx([10, 28, 28], new Uint8Array(0)));
  return gzipSync(body);
}

describe('gzip files inflate no further than their format declares', () => {
  it('idxByteSize reads the declared size from the first bytes only', () => {
    const { images } = idxFixture(3);
    expect(idxByteSize(images.subarray(0, 16))).toBe(images.length);
    expect(idxByteSize(images.subarray(0, 10))).toBeUndefined();
    expect(idxByteSize(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBeUndefined();
  });

  it('readDataFile stops an IDX gzip bomb at the size its header declares (DataError naming the file)', () => {
    const bomb = idxBomb();
    expect(bomb.length).toBeLessThan(200_000);
    const p = join(fresh(), 'bomb-idx3-ubyte.gz');
    writeFileSync(p, bomb);
    expect(() => readDataFile(p, IDX_LIMITS)).toThrow(DataError);
    expect(() => readDataFile(p, IDX_LIMITS)).toThrow(`${p}: inflates to more than the 7856 bytes its header declares`);
  });

  it('MNIST.load applies it to the files it reads', async () => {
    const root = fresh();
    writeFileSync(join(root, 'train-images-idx3-ubyte.gz'), idxBomb());
    writeFileSync(join(root, 'train-labels-idx1-ubyte.gz'), gzipSync(idxFixture(10).labels));
    await expect(MNIST.load({ root })).rejects.toThrow(/train-images-idx3-ubyte\.gz: inflates to more than the 7856 bytes its header declares/);
  });

  it('without a declared size, maxBytes is the limit (configurable, here through MNIST.load)', async () => {
    const p = join(fresh(), 'blob.gz');
    writeFileSync(p, gzipSync(new Uint8Array(3 * 2 ** 20)));
    expect(() => readDataFile(p, { maxBytes: 2 ** 20 })).toThrow(`${p}: inflates to more than the limit of 1048576 bytes (maxBytes)`);
    expect(readDataFile(p, { maxBytes: 3 * 2 ** 20 }).length).toBe(3 * 2 ** 20);
    const root = fresh();
    const { images, labels } = idxFixture(4);
    writeFileSync(join(root, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(root, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
    await expect(MNIST.load({ root, maxInflatedBytes: 1000 })).rejects.toThrow(/inflates to more than the limit of 1000 bytes/);
    expect((await MNIST.load({ root })).length).toBe(4);
  });

  it('gunzip (DecompressionStream, browsers) stops the same bomb while streaming', async () => {
    await expect(gunzip(idxBomb(), 'bomb.gz', IDX_LIMITS)).rejects.toThrow('bomb.gz: inflates to more than the 7856 bytes its header declares');
    await expect(gunzip(gzipSync(new Uint8Array(3 * 2 ** 20)), 'big.gz', { maxBytes: 2 ** 20 })).rejects.toThrow(DataError);
    const { images } = idxFixture(2);
    expect(Array.from(await gunzip(gzipSync(images), 'ok.gz', IDX_LIMITS))).toEqual(Array.from(images));
  });
});

describe('an empty IDX set', () => {
  it('is a DataError at load, not a dataset of 0 examples that trains to loss null', async () => {
    const root = fresh();
    writeFileSync(join(root, 'train-images-idx3-ubyte'), encodeIdx([0, 28, 28], new Uint8Array(0)));
    writeFileSync(join(root, 'train-labels-idx1-ubyte'), encodeIdx([0], new Uint8Array(0)));
    await expect(MNIST.load({ root })).rejects.toThrow(DataError);
    await expect(MNIST.load({ root })).rejects.toThrow(/MNIST: .*train-images-idx3-ubyte and .*train-labels-idx1-ubyte hold 0 examples/);
  });
});
