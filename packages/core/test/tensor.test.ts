import { describe, expect, it } from 'vitest';
import {
  arange, eye, full, linspace, manualSeed, ones, rand, randint, randn, tensor, zeros, zerosLike, backends, kernelsFor, registeredOps,
} from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

describe('tensors', () => {
  it('creation functions', async () => {
    expect(await zeros([2, 2]).array()).toEqual([[0, 0], [0, 0]]);
    expect(await ones([2], { dtype: 'int32' }).array()).toEqual([1, 1]);
    expect(await full([1, 2], 7).array()).toEqual([[7, 7]]);
    expect(await arange(5).array()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int32');
    expect(await arange(0, 1, 0.25).array()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(await linspace(0, 1, 5).array()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await eye(2, 3).array()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(zerosLike(tensor([[1.5]], { dtype: 'float64' })).dtype).toBe('float64');
    expect(await tensor([true, false]).array()).toEqual([true, false]);
    expect(await tensor(5).item()).toBe(5);
  });

  it('seeded randomness is reproducible and well distributed', () => {
    manualSeed(42);
    const a = rand([10000]).dataSync();
    const n = randn([10000]).dataSync();
    manualSeed(42);
    expect(rand([10000]).dataSync()).toEqual(a);
    const mean = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean(a) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(mean(n))).toBeLessThan(0.05);
    const sd = Math.sqrt(mean(Array.from(n, (x) => x * x)));
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    const r = randint(0, 10, [1000]).dataSync();
    expect(Math.min(...r)).toBe(0);
    expect(Math.max(...r)).toBe(9);
  });

  it('toString prints like PyTorch', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([1.5, -2.25]).toString()).toBe('tensor([ 1.5000, -2.2500])');
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2])');
    expect(tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(tensor(3.5).toString()).toBe('tensor(3.5000)');
    expect(tensor([1], { dtype: 'float64' }).toString()).toBe('tensor([1.], dtype=float64)');
    expect(tensor([2]).requiresGrad_().mul(2).toString()).toBe('tensor([4.], gradFn=<mul>)');
    expect(zeros([2000]).toString()).toBe('tensor([0., 0., 0., ..., 0., 0., 0.])');
  });

  it('broadcasting, reductions and movement basics', async () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(await a.add(tensor([10, 20, 30])).array()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(await a.sum(0).array()).toEqual([5, 7, 9]);
    expect(await a.sum([0, 1]).item()).toBe(21);
    expect(await a.mean(1, true).array()).toEqual([[2], [5]]);
    expect(await a.max(1).array()).toEqual([3, 6]);
    expect(await a.argmax(1).array()).toEqual([2, 2]);
    expect(await a.T.array()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await a.slice([0, 1], [2, 2]).array()).toEqual([[2, 3], [5, 6]]);
    expect(await a.flip(1).array()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(await a.tile([1, 2]).array()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(await a.variance().item()).toBeCloseTo(3.5);
  });

  it('registry queries', () => {
    expect(backends()).toContain('cpu');
    expect(kernelsFor('matmul')).toContain('cpu');
    expect(registeredOps()).toContain('conv2d');
  });
});

describe('oneHot', () => {
  it('encodes int32 classes', async () => {
    const { oneHot } = await import('@tessera/core');
    expect(await oneHot(tensor([2, 0], { dtype: 'int32' }), 3).array()).toEqual([[0, 0, 1], [1, 0, 0]]);
  });
});
