import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, manualSeed, memory, tensor, use, init } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, ImageDataset, type ImageBatch, TensorDataset, randomPermutation, randomSplit, subset } from '../src/index.js';

beforeAll(async () => {
  use(cpu());
  await init();
});

function imageData(n: number): ImageDataset {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i % 256, i * 4, i * 4 + 4);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return new ImageDataset(images, labels, [1, 2, 2]);
}

async function epochLabels(loader: AsyncIterable<ImageBatch>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const { y } of loader) out.push(Array.from(await y.data()));
  return out;
}

describe('randomPermutation', () => {
  it('is a permutation and reproducible under manualSeed', () => {
    manualSeed(7);
    const a = randomPermutation(100);
    const b = randomPermutation(100);
    manualSeed(7);
    expect(randomPermutation(100)).toEqual(a);
    expect(b).not.toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('TensorDataset', () => {
  it('batches host columns: uint8 → float32 / 255, int32 stays int32', () => {
    const ds = new TensorDataset({
      x: { data: new Uint8Array([0, 255, 51, 102, 10, 20]), shape: [3, 2] },
      y: { data: new Int32Array([4, 5, 6]), shape: [3] },
    });
    expect(ds.length).toBe(3);
    const b = ds.getBatch([2, 0]);
    expect(b.x.dtype).toBe('float32');
    expect(b.x.shape).toEqual([2, 2]);
    expect(Array.from(b.x.dataSync())).toEqual([10 / 255, 20 / 255, 0, 1].map((v) => Math.fround(v)));
    expect(b.y.dtype).toBe('int32');
    expect(Array.from(b.y.dataSync())).toEqual([6, 4]);
    const one = ds.get(1);
    expect(one.x.shape).toEqual([2]);
    expect(one.y.shape).toEqual([]);
    expect(one.y.itemSync()).toBe(5);
  });

  it('batches tensor columns with indexSelect', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const ds = new TensorDataset({ x });
    expect(Array.from(ds.getBatch([1, 1, 0]).x.dataSync())).toEqual([3, 4, 3, 4, 1, 2]);
  });

  it('rejects columns of different lengths and bad shapes with DataError', () => {
    expect(() => new TensorDataset({ x: tensor([1, 2, 3]), y: tensor([1, 2]) })).toThrow(DataError);
    expect(() => new TensorDataset({ x: { data: new Float32Array(5), shape: [2, 3] } })).toThrow(/needs 6/);
    const ds = new TensorDataset({ x: tensor([1, 2]) });
    expect(() => ds.get(2)).toThrow(RangeError);
  });
});

describe('subset and randomSplit', () => {
  it('subset maps indices, also for getBatch', () => {
    const ds = imageData(10);
    const s = subset(ds, [9, 3]);
    expect(s.length).toBe(2);
    expect(s.get(0).label).toBe(9);
    expect(Array.from(s.getBatch!([1, 0]).y.dataSync())).toEqual([3, 9]);
    expect(() => subset(ds, [10])).toThrow(RangeError);
  });

  it('splits by counts and fractions, disjoint, covering everything, seeded', () => {
    const ds = imageData(103);
    manualSeed(1);
    const [a, b] = randomSplit(ds, [0.8, 0.2]);
    expect(a.length + b.length).toBe(103);
    expect(a.length).toBe(83);
    const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 103 }, (_, i) => i));
    manualSeed(1);
    const [a2] = randomSplit(ds, [0.8, 0.2]);
    expect(a2.indices).toEqual(a.indices);
    const parts = randomSplit(ds, [100, 3]);
    expect(parts.map((p) => p.length)).toEqual([100, 3]);
    expect(() => randomSplit(ds, [50, 50])).toThrow(DataError);
  });
});

describe('DataLoader', () => {
  it('sizes and dropLast', async () => {
    const ds = imageData(10);
    const l = new DataLoader(ds, { batchSize: 4 });
    expect(l.length).toBe(3);
    const sizes: number[] = [];
    for await (const { x, y } of l) {
      sizes.push(y.shape[0]);
      expect(x.shape).toEqual([y.shape[0], 1, 2, 2]);
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
    }
    expect(sizes).toEqual([4, 4, 2]);
    const d = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(d.length).toBe(2);
    expect((await epochLabels(d)).map((b) => b.length)).toEqual([4, 4]);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(DataError);
  });

  it('without shuffle keeps order; images scaled to [0, 1]', async () => {
    const ds = imageData(5);
    for await (const { x } of new DataLoader(ds, { batchSize: 5 })) {
      const v = x.dataSync();
      expect(v[4]).toBeCloseTo(1 / 255);
      expect(v[16]).toBeCloseTo(4 / 255);
    }
  });

  it('shuffle covers every index once per epoch, differs across epochs, reproducible under manualSeed', async () => {
    const n = 37;
    const images = new Uint8Array(n);
    const labels = Int32Array.from({ length: n }, (_, i) => i);
    const ds = new ImageDataset(images, labels, [1, 1, 1]);
    for (const prefetch of [true, false]) {
      const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, prefetch });
      manualSeed(42);
      const e1 = (await epochLabels(loader)).flat();
      const e2 = (await epochLabels(loader)).flat();
      expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect([...e2].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(e1).not.toEqual(e2);
      expect(e1).not.toEqual(Array.from({ length: n }, (_, i) => i));
      manualSeed(42);
      expect((await epochLabels(loader)).flat()).toEqual(e1);
      expect((await epochLabels(loader)).flat()).toEqual(e2);
      manualSeed(43);
      const other = (await epochLabels(loader)).flat();
      expect([...other].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(other).not.toEqual(e1); // another seed, another order
    }
  });

  it('leaks no tensors across an epoch, also when stopped early', async () => {
    const ds = imageData(50);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
    const before = memory().numTensors;
    for await (const { x, y } of loader) {
      x.mul(2).dispose();
      expect(y.isDisposed).toBe(false);
    }
    expect(memory().numTensors).toBe(before);
    let k = 0;
    for await (const _ of loader) {
      if (++k === 2) break;
    }
    expect(memory().numTensors).toBe(before);
  });

  it('disposeBatches: false hands ownership to the caller', async () => {
    const ds = imageData(6);
    const before = memory().numTensors;
    const kept: { x: import('@tessera/core').Tensor; y: import('@tessera/core').Tensor }[] = [];
    for await (const b of new DataLoader(ds, { batchSize: 3, disposeBatches: false })) kept.push(b);
    expect(kept.every((b) => !b.x.isDisposed)).toBe(true);
    expect(memory().numTensors).toBe(before + 4);
    for (const b of kept) {
      b.x.dispose();
      b.y.dispose();
    }
    expect(memory().numTensors).toBe(before);
  });

  it('uses collate when the dataset has no getBatch', async () => {
    const ds = { length: 5, get: (i: number) => i * 10 };
    const out: number[][] = [];
    for await (const b of new DataLoader(ds, { batchSize: 2, collate: (xs: number[]) => xs })) out.push(b);
    expect(out).toEqual([[0, 10], [20, 30], [40]]);
    expect(() => new DataLoader(ds, { batchSize: 2 })).toThrow(/collate/);
  });
});
