import { describe, expect, it } from 'vitest';
import { run, seq, tensor } from './helpers.js';

describe('reductions', () => {
  const x = tensor([1, 5, 2, 5, 3, 0, -1, 4, 4, 2, 9, -9], [2, 3, 2]);

  it('reduce the middle of [outer, reduce, inner]', () => {
    const attrs = { outer: 2, reduce: 3, inner: 2 };
    expect(Array.from(run('sum', [x], attrs, [2, 2]))).toEqual([6, 10, 12, -3]);
    expect(Array.from(run('prod', [x], attrs, [2, 2]))).toEqual([6, 0, -36, -72]);
    expect(Array.from(run('max', [x], attrs, [2, 2]))).toEqual([3, 5, 9, 4]);
    expect(Array.from(run('min', [x], attrs, [2, 2]))).toEqual([1, 0, -1, -9]);
    expect(Array.from(run('argmax', [x], attrs, [2, 2], 'int32'))).toEqual([2, 0, 2, 0]);
    expect(Array.from(run('argmin', [x], attrs, [2, 2], 'int32'))).toEqual([0, 2, 0, 2]);
  });

  it('inner = 1 and whole-tensor reductions', () => {
    expect(Array.from(run('sum', [x], { outer: 1, reduce: 12, inner: 1 }, []))).toEqual([25]);
    expect(Array.from(run('max', [x], { outer: 6, reduce: 2, inner: 1 }, [6]))).toEqual([5, 5, 3, 4, 4, 9]);
  });

  it('argmax/argmin pick the first of ties; NaN counts as the extreme', () => {
    const t = tensor([3, 1, 3, 1, NaN, 7, NaN], [7]);
    const a = { outer: 1, reduce: 4, inner: 1 };
    expect(Array.from(run('argmax', [tensor([3, 1, 3, 1], [4])], a, [], 'int32'))).toEqual([0]);
    expect(Array.from(run('argmin', [tensor([3, 1, 3, 1], [4])], a, [], 'int32'))).toEqual([1]);
    const all = { outer: 1, reduce: 7, inner: 1 };
    expect(Array.from(run('argmax', [t], all, [], 'int32'))).toEqual([4]);
    expect(Array.from(run('argmin', [t], all, [], 'int32'))).toEqual([4]);
    expect(Array.from(run('max', [t], all, []))).toEqual([NaN]);
    expect(Array.from(run('min', [t], all, []))).toEqual([NaN]);
  });

  it('empty reductions give the identity', () => {
    const e = tensor([], [2, 0, 3]);
    const a = { outer: 2, reduce: 0, inner: 3 };
    expect(Array.from(run('sum', [e], a, [2, 3]))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(run('prod', [e], a, [2, 3]))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(run('max', [e], a, [2, 3]))).toEqual(Array(6).fill(-Infinity));
    expect(Array.from(run('min', [e], a, [2, 3]))).toEqual(Array(6).fill(Infinity));
  });

  it('sums bool and int32 into the requested dtype', () => {
    const b = tensor([1, 0, 1, 1], [4], 'bool');
    expect(Array.from(run('sum', [b], { outer: 1, reduce: 4, inner: 1 }, [], 'int32'))).toEqual([3]);
    const i = tensor([2147483647, 1, -5], [3], 'int32');
    expect(Array.from(run('sum', [i], { outer: 1, reduce: 3, inner: 1 }, [], 'float64'))).toEqual([2147483643]);
  });

  it('accumulates float32 in doubles', () => {
    const n = 100000;
    const v = seq(n, 7).map(Math.fround);
    const want = v.reduce((s, a) => s + a, 0);
    const got = run('sum', [tensor(v, [n], 'float32')], { outer: 1, reduce: n, inner: 1 }, [], 'float32')[0];
    expect(got).toBe(Math.fround(want));
  });
});
