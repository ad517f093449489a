import { describe, expect, it } from 'vitest';
import type { UNARY_OPS } from '@tessera/core';
import { run, tensor } from './helpers.js';

const un = (name: (typeof UNARY_OPS)[number], xs: number[], dtype: 'float32' | 'float64' | 'int32' = 'float64') =>
  Array.from(run(name, [tensor(xs, [xs.length], dtype)], {}, [xs.length], dtype));

describe('unary', () => {
  it('erf matches known values to 1e-15', () => {
    const got = un('erf', [0.5, 1, 2, 3, -1, 0, 2.5, 5]);
    const want = [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.8427007929497149, 0, 0.999593047982555, 0.9999999999984626];
    got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-15));
  });

  it('gelu is the exact erf form', () => {
    const xs = [-3, -1, -0.5, 0, 0.5, 1, 3, -10, 10];
    const got = un('gelu', xs);
    // x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145707, Φ(3) = 0.9986501019683699
    expect(got[5]).toBeCloseTo(0.8413447460685429, 15);
    expect(got[1]).toBeCloseTo(-0.15865525393145707, 15);
    expect(got[6]).toBeCloseTo(3 * 0.9986501019683699, 14);
    expect(got[0]).toBeCloseTo(-3 * (1 - 0.9986501019683699), 15);
    expect(got[3]).toBe(0);
    // core's expression ½·x·(1 + erf(x/√2)) cancels to (−)0 in the far left tail.
    expect(Math.abs(got[7])).toBeLessThan(1e-20);
    expect(got[8]).toBe(10);
  });

  it('round is half to even', () => {
    expect(un('round', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6, 3])).toEqual([0, 2, 2, -0, -2, -2, 2, 3, -3, 3]);
  });

  it('sigmoid and softplus are stable at large |x|', () => {
    const s = un('sigmoid', [-800, -40, 0, 40, 800]);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(4.248354255291589e-18, 30);
    expect(s[2]).toBe(0.5);
    expect(s[4]).toBe(1);
    const sp = un('softplus', [-800, 0, 800, 1]);
    expect(sp[0]).toBe(0);
    expect(sp[1]).toBeCloseTo(Math.LN2, 15);
    expect(sp[2]).toBe(800);
    expect(sp[3]).toBeCloseTo(Math.log(1 + Math.E), 15);
  });

  it('covers the rest of the table', () => {
    const x = [-2, -0.5, 0.25, 3];
    const table: Record<string, (v: number) => number> = {
      neg: (v) => -v, abs: Math.abs, sign: Math.sign, exp: Math.exp, expm1: Math.expm1,
      sin: Math.sin, cos: Math.cos, tanh: Math.tanh, floor: Math.floor, ceil: Math.ceil,
      square: (v) => v * v, reciprocal: (v) => 1 / v, relu: (v) => Math.max(v, 0),
    };
    for (const [name, f] of Object.entries(table)) {
      expect(un(name as (typeof UNARY_OPS)[number], x), name).toEqual(x.map(f));
    }
    expect(un('log', [1, Math.E, 0])).toEqual([0, 1, -Infinity]);
    expect(un('sqrt', [4, 2])).toEqual([2, Math.SQRT2]);
    expect(un('rsqrt', [4])).toEqual([0.5]);
    expect(un('log1p', [1e-20])).toEqual([1e-20]);
  });

  it('computes float32 in doubles and rounds on store', () => {
    const got = un('exp', [1], 'float32');
    expect(got[0]).toBe(Math.fround(Math.E));
  });

  it('handles int32 where it makes sense', () => {
    expect(un('neg', [3, -4, -2147483648], 'int32')).toEqual([-3, 4, -2147483648]);
    expect(un('abs', [-3, 4], 'int32')).toEqual([3, 4]);
    expect(un('sign', [-3, 0, 4], 'int32')).toEqual([-1, 0, 1]);
    expect(un('square', [3, -4, 65536], 'int32')).toEqual([9, 16, 0]);
    expect(un('relu', [-3, 4], 'int32')).toEqual([0, 4]);
  });

  it('logicalNot gives bool', () => {
    expect(Array.from(run('logicalNot', [tensor([0, 1, 1, 0], [4], 'bool')], {}, [4], 'bool'))).toEqual([1, 0, 0, 1]);
  });

  it('leakyRelu, elu, clip', () => {
    const x = tensor([-2, 0, 3], [3]);
    expect(Array.from(run('leakyRelu', [x], { alpha: 0.1 }, [3]))).toEqual([-0.2, 0, 3]);
    expect(Array.from(run('elu', [x], { alpha: 2 }, [3]))).toEqual([2 * Math.expm1(-2), 0, 3]);
    expect(Array.from(run('clip', [x], { min: -1, max: 1 }, [3]))).toEqual([-1, 0, 1]);
    const xi = tensor([-5, 0, 7], [3], 'int32');
    expect(Array.from(run('clip', [xi], { min: -1, max: 2 }, [3]))).toEqual([-1, 0, 2]);
  });

  it('cast truncates toward zero and maps nonzero to true', () => {
    const x = tensor([-2.7, -0.5, 0, 0.5, 2.7, NaN], [6]);
    expect(Array.from(run('cast', [x], { dtype: 'int32' }, [6], 'int32'))).toEqual([-2, 0, 0, 0, 2, 0]);
    expect(Array.from(run('cast', [x], { dtype: 'bool' }, [6], 'bool'))).toEqual([1, 1, 0, 1, 1, 1]);
    const b = tensor([1, 0], [2], 'bool');
    expect(Array.from(run('cast', [b], { dtype: 'float32' }, [2], 'float32'))).toEqual([1, 0]);
  });
});

describe('binary', () => {
  const bin = (name: Parameters<typeof run>[0], a: number[], b: number[], dtype: 'float64' | 'int32' = 'float64') =>
    Array.from(run(name, [tensor(a, [a.length], dtype), tensor(b, [b.length], dtype)], {}, [Math.max(a.length, b.length)], dtype));

  it('int32 div floors and mod takes the sign of the divisor', () => {
    const a = [7, -7, 7, -7, 6, 0];
    const b = [2, 2, -2, -2, 3, 5];
    expect(bin('div', a, b, 'int32')).toEqual([3, -4, -4, 3, 2, 0]);
    expect(bin('mod', a, b, 'int32')).toEqual([1, 1, -1, -1, 0, 0]);
  });

  it('float mod is floored like Python', () => {
    expect(bin('mod', [5.5, -5.5, 5.5, -5.5, 3], [2, 2, -2, -2, 1.5])).toEqual([1.5, 0.5, -0.5, -1.5, 0]);
    expect(bin('div', [7, -7], [2, 2])).toEqual([3.5, -3.5]);
  });

  it('int32 arithmetic wraps', () => {
    expect(bin('add', [2147483647], [1], 'int32')).toEqual([-2147483648]);
    expect(bin('mul', [65536 * 3 + 7], [65536 + 5], 'int32')).toEqual([Math.imul(65536 * 3 + 7, 65536 + 5)]);
  });

  it('pow, maximum, minimum (NaN propagates)', () => {
    expect(bin('pow', [2, 4, -8], [10, 0.5, 1 / 3])).toEqual([1024, 2, NaN]);
    expect(bin('maximum', [1, NaN, -3], [2, 0, -4])).toEqual([2, NaN, -3]);
    expect(bin('minimum', [1, NaN, -3], [2, 0, -4])).toEqual([1, NaN, -4]);
  });

  it('comparisons and logical ops give bool', () => {
    const a = tensor([1, 2, 3, NaN], [4]);
    const b = tensor([2, 2, 2, NaN], [4]);
    const cmp = (name: Parameters<typeof run>[0]) => Array.from(run(name, [a, b], {}, [4], 'bool'));
    expect(cmp('equal')).toEqual([0, 1, 0, 0]);
    expect(cmp('notEqual')).toEqual([1, 0, 1, 1]);
    expect(cmp('less')).toEqual([1, 0, 0, 0]);
    expect(cmp('lessEqual')).toEqual([1, 1, 0, 0]);
    expect(cmp('greater')).toEqual([0, 0, 1, 0]);
    expect(cmp('greaterEqual')).toEqual([0, 1, 1, 0]);
    const p = tensor([0, 0, 1, 1], [4], 'bool');
    const q = tensor([0, 1, 0, 1], [4], 'bool');
    const lg = (name: Parameters<typeof run>[0]) => Array.from(run(name, [p, q], {}, [4], 'bool'));
    expect(lg('logicalAnd')).toEqual([0, 0, 0, 1]);
    expect(lg('logicalOr')).toEqual([0, 1, 1, 1]);
    expect(lg('logicalXor')).toEqual([0, 1, 1, 0]);
  });

  it('broadcasts in every layout', () => {
    // a [2, 3, 1, 4] ⊕ b [3, 5, 1] → [2, 3, 5, 4], compared with a naive loop.
    const av = Array.from({ length: 24 }, (_, i) => i);
    const bv = Array.from({ length: 15 }, (_, i) => 100 * i);
    const got = run('sub', [tensor(av, [2, 3, 1, 4]), tensor(bv, [3, 5, 1])], {}, [2, 3, 5, 4]);
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 5; k++) for (let l = 0; l < 4; l++) want.push(av[(i * 3 + j) * 4 + l] - bv[j * 5 + k]);
    expect(Array.from(got)).toEqual(want);
    // scalar operands on either side, row broadcast, column broadcast
    expect(Array.from(run('sub', [tensor([10], []), tensor([1, 2, 3], [3])], {}, [3]))).toEqual([9, 8, 7]);
    expect(Array.from(run('sub', [tensor([1, 2, 3], [3]), tensor([10], [1])], {}, [3]))).toEqual([-9, -8, -7]);
    expect(Array.from(run('add', [tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([10, 20, 30], [3])], {}, [2, 3]))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(run('add', [tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([10, 20], [2, 1])], {}, [2, 3]))).toEqual([11, 12, 13, 24, 25, 26]);
    expect(Array.from(run('mul', [tensor([1, 2], [2, 1]), tensor([3, 4, 5], [1, 3])], {}, [2, 3]))).toEqual([3, 4, 5, 6, 8, 10]);
  });

  it('where broadcasts three ways', () => {
    const c = tensor([1, 0, 1], [1, 3], 'bool');
    const a = tensor([1, 2], [2, 1]);
    const b = tensor([-1], []);
    expect(Array.from(run('where', [c, a, b], {}, [2, 3], 'float64'))).toEqual([1, -1, 1, 2, -1, 2]);
  });
});
