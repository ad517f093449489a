import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FashionMNIST } from '../src/node.js';

// Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) puts the
// four .gz files here. CI installs it in .ci/run; elsewhere this test is skipped.
const ROOT = '/usr/share/datasets/fashion-mnist';
const present = existsSync(`${ROOT}/train-images-idx3-ubyte.gz`);
if (!present) {
  console.warn(`fashion-mnist.test: skipped, ${ROOT} is absent (apt-get install dataset-fashion-mnist to run it).`);
}

describe.skipIf(!present)(`FashionMNIST.load on the real files in ${ROOT}`, () => {
  it.each([
    ['train', 60000],
    ['test', 10000],
  ] as const)('%s: %i images of 1×28×28, labels 0..9, each class present', async (split, n) => {
    const ds = await FashionMNIST.load({ root: ROOT, split });
    expect(ds.length).toBe(n);
    expect(ds.shape).toEqual([n, 1, 28, 28]);
    expect(ds.images.length).toBe(n * 784);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    expect(counts.every((c) => c === n / 10)).toBe(true); // Fashion-MNIST is balanced
    let max = 0;
    for (const v of ds.images) if (v > max) max = v;
    expect(max).toBe(255);
  });
});
