import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { data } from 'tessera/node';

const { IDX_SPLIT_FILES, MNIST_CLASSES, MNIST, idxImageDataset } = data;
import { describe, expect, it } from 'vitest';
import { encodeIdx, mnistSample, sampleFiles } from '../build/mnist-sample.js';

describe('the bundled MNIST sample (build plugin)', () => {
  it('writes IDX headers as the format defines them', () => {
    const bytes = encodeIdx(Uint8Array.of(1, 2, 3, 4, 5, 6), [1, 2, 3]);
    expect([...bytes.subarray(0, 16)]).toEqual([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
    expect([...bytes.subarray(16)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('emits both splits as gzipped IDX files that parse back to MNIST.sample() exactly', () => {
    const files = sampleFiles();
    expect([...files.keys()].sort()).toEqual([...IDX_SPLIT_FILES.train, ...IDX_SPLIT_FILES.test].map((f) => `${f}.gz`).sort());
    for (const split of ['train', 'test'] as const) {
      const [imagesFile, labelsFile] = IDX_SPLIT_FILES[split].map((f) => `${f}.gz`);
      const ds = idxImageDataset('MNIST', MNIST_CLASSES, split, { bytes: gunzipSync(files.get(imagesFile)!), file: imagesFile }, { bytes: gunzipSync(files.get(labelsFile)!), file: labelsFile });
      const want = MNIST.sample({ split });
      expect(ds.length).toBe(split === 'train' ? 8000 : 2000);
      expect(Buffer.from(ds.images).equals(Buffer.from(want.images))).toBe(true);
      expect([...ds.labels]).toEqual([...want.labels]);
    }
  });

  it('exports the size and SHA-256 of each file through virtual:mnist-sample', () => {
    const plugin = mnistSample();
    const resolve = plugin.resolveId as (id: string) => string | null;
    const load = plugin.load as (id: string) => string | null;
    const id = resolve('virtual:mnist-sample');
    expect(id).not.toBeNull();
    const code = load(id!)!;
    const checksums = JSON.parse(/checksums = (.*);/.exec(code)![1]) as Record<string, { size: number; sha256: string }>;
    for (const [name, bytes] of sampleFiles()) {
      expect(checksums[name]).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(code).toContain('export const sampleDir = "mnist-sample/"');
  });
});
