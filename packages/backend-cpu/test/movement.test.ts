import { describe, expect, it } from 'vitest';
import { at, run, tensor } from './helpers.js';
import { IndexError } from '@tessera/core';

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('movement', () => {
  it('transpose', () => {
    const x = tensor(iota(24), [2, 3, 4]);
    const got = run('transpose', [x], { perm: [2, 0, 1] }, [4, 2, 3]);
    const want: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(at(iota(24), [2, 3, 4], [i, j, k]));
    expect(Array.from(got)).toEqual(want);
    // large enough rows to hit the block copy path
    const y = tensor(iota(2 * 40), [2, 1, 40], 'int32');
    expect(Array.from(run('transpose', [y], { perm: [1, 0, 2] }, [1, 2, 40]))).toEqual(iota(80));
  });

  it('broadcastTo', () => {
    const x = tensor([1, 2, 3], [1, 3]);
    expect(Array.from(run('broadcastTo', [x], { shape: [2, 3] }, [2, 3]))).toEqual([1, 2, 3, 1, 2, 3]);
    const c = tensor([1, 2], [2, 1], 'bool');
    expect(Array.from(run('broadcastTo', [c], { shape: [2, 2] }, [2, 2]))).toEqual([1, 1, 2, 2]);
  });

  it('slice with steps', () => {
    const x = tensor(iota(30), [5, 6]);
    const got = run('slice', [x], { begin: [1, 0], size: [2, 2], step: [2, 3] }, [2, 2]);
    expect(Array.from(got)).toEqual([6, 9, 18, 21]);
  });

  it('concat along each axis', () => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = tensor([5, 6], [2, 1]);
    const c = tensor([7, 8, 9, 10, 11, 12], [2, 3]);
    expect(Array.from(run('concat', [a, b, c], { axis: 1 }, [2, 6]))).toEqual([1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12]);
    const d = tensor([5, 6], [1, 2]);
    expect(Array.from(run('concat', [a, d], { axis: 0 }, [3, 2]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(run('concat', [a, d], { axis: -2 }, [3, 2]))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pad with a constant', () => {
    const x = tensor([1, 2, 3, 4], [2, 2]);
    const got = run('pad', [x], { pads: [[1, 0], [0, 2]], value: -1 }, [3, 4]);
    expect(Array.from(got)).toEqual([-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1]);
    expect(Array.from(run('pad', [x], { pads: [[0, 0], [1, 1]], value: 0 }, [2, 4]))).toEqual([0, 1, 2, 0, 0, 3, 4, 0]);
  });

  it('flip', () => {
    const x = tensor(iota(6), [2, 3]);
    expect(Array.from(run('flip', [x], { axes: [1] }, [2, 3]))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(run('flip', [x], { axes: [0, 1] }, [2, 3]))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(Array.from(run('flip', [x], { axes: [-2] }, [2, 3]))).toEqual([3, 4, 5, 0, 1, 2]);
  });

  it('gather along each axis (torch.gather)', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const i1 = tensor([2, 0, 1, 1], [2, 2], 'int32');
    expect(Array.from(run('gather', [x, i1], { axis: 1 }, [2, 2]))).toEqual([3, 1, 5, 5]);
    const i0 = tensor([1, 0, 1], [1, 3], 'int32');
    expect(Array.from(run('gather', [x, i0], { axis: 0 }, [1, 3]))).toEqual([4, 2, 6]);
  });

  it('scatterAdd accumulates repeated indices', () => {
    const x = tensor([1, 1, 1, 1, 1, 1], [2, 3]);
    const idx = tensor([0, 0, 2, 1, 1, 1], [2, 3], 'int32');
    const src = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(run('scatterAdd', [x, idx, src], { axis: 1 }, [2, 3]))).toEqual([4, 1, 4, 1, 16, 1]);
    const idx0 = tensor([1, 0, 1], [1, 3], 'int32');
    const src0 = tensor([10, 20, 30], [1, 3]);
    expect(Array.from(run('scatterAdd', [x, idx0, src0], { axis: 0 }, [2, 3]))).toEqual([1, 21, 1, 11, 1, 31]);
  });

  it('out-of-range indices throw a clear IndexError', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const bad = tensor([0, 3], [1, 2], 'int32');
    expect(() => run('gather', [x, bad], { axis: 1 }, [1, 2])).toThrow(IndexError);
    expect(() => run('gather', [x, bad], { axis: 1 }, [1, 2])).toThrow(/gather: index 3 is out of range for axis 1 of size 3 \(valid: 0\.\.2\)/);
    const neg = tensor([-1, 0], [1, 2], 'int32');
    expect(() => run('scatterAdd', [x, neg, tensor([1, 1], [1, 2])], { axis: 1 }, [2, 3])).toThrow(/scatterAdd: index -1/);
  });
});
