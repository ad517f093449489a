import { describe, expect, it } from 'vitest';
import { MAX_TENSOR_ELEMENTS, ShapeError, arange, eye, full, linspace, memory, ones, rand, randint, randn, zeros } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

describe('creation ops check the element count before allocating', () => {
  it('randn([2**31]) is a ShapeError naming the op, the shape and the limit', () => {
    const before = memory().numBytes;
    const err = (() => {
      try {
        randn([2 ** 31]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ShapeError);
    expect(String(err)).toContain(`randn: shape [2147483648] has 2147483648 elements, more than the ${MAX_TENSOR_ELEMENTS}`);
    expect(memory().numBytes).toBe(before);
  });

  it('every creation op names itself', () => {
    const big = [65536, 65536];
    expect(() => zeros(big)).toThrow(/^zeros: shape \[65536, 65536\] has 4294967296 elements/);
    expect(() => ones(big)).toThrow(/^ones: /);
    expect(() => full(big, 2)).toThrow(/^full: /);
    expect(() => rand(big)).toThrow(/^rand: /);
    expect(() => randint(0, 5, big)).toThrow(/^randint: /);
    expect(() => eye(65536)).toThrow(/^eye: shape \[65536, 65536\]/);
    expect(() => arange(2 ** 32)).toThrow(/^arange: shape \[4294967296\]/);
    expect(() => arange(0, Infinity)).toThrow(/^arange: .* must be finite/);
    expect(() => linspace(0, 1, 2 ** 31)).toThrow(ShapeError);
  });
});
