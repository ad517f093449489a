import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FashionMNIST } from '../src/node.js';

// Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) puts the
// four .gz files here. CI installs it (.ci/run); where it is absent (or the apt mirror
// failed) this test is skipped with a message, as .ci/run expects.
const ROOT = '/usr/share/datasets/fashion-mnist';
const present = existsSync(`${ROOT}/train-images-idx3-ubyte.gz`) && existsSync(`${ROOT}/t10k-images-idx3-ubyte.gz`);
if (!present) {
  console.warn(`fashion-mnist.test: skipped, ${ROOT} is absent (apt-get install dataset-fashion-mnist to run it).`);
}

describe.skipIf(!present)(`FashionMNIST.load on Debian's real files in ${ROOT}`, () => {
  it('loads all 70,000 images: 60,000 train + 10,000 test of 1×28×28, every class exactly a tenth', async () => {
    let total = 0;
    for (const [split, n] of [['train', 60000], ['test', 10000]] as const) {
      // Debian re-compresses the files, so they are read as given (no published checksum applies).
      const ds = await FashionMNIST.load({ root: ROOT, split });
      expect(ds.length).toBe(n);
      expect(ds.shape).toEqual([n, 1, 28, 28]);
      expect(ds.images.length).toBe(n * 784);
      const histogram = new Array(10).fill(0);
      for (const l of ds.labels) histogram[l]++;
      expect(histogram).toEqual(new Array(10).fill(n / 10)); // Fashion-MNIST is balanced
      let max = 0;
      for (const v of ds.images) if (v > max) max = v;
      expect(max).toBe(255);
      total += ds.length;
    }
    expect(total).toBe(70000);
  });
});
