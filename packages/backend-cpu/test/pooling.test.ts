import { describe, expect, it } from 'vitest';
import type { Pool2dAttrs } from '@tessera/core';
import { dot, run, seq, tensor } from './helpers.js';

describe('pooling', () => {
  const x = [
    1, 3, 2, 0,
    5, 5, 1, 7,
    0, 2, 9, 9,
    4, 1, 9, 3,
  ];
  const xs = [1, 1, 4, 4];
  const a2: Pool2dAttrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] };

  it('maxPool2d', () => {
    expect(Array.from(run('maxPool2d', [tensor(x, xs)], a2, [1, 1, 2, 2]))).toEqual([5, 7, 4, 9]);
    // padding counts as -inf: an all-negative input keeps its values
    const neg = tensor([-1, -2, -3, -4], [1, 1, 2, 2]);
    const ap: Pool2dAttrs = { kernel: [2, 2], strides: [1, 1], pads: [1, 0, 1, 0] };
    expect(Array.from(run('maxPool2d', [neg], ap, [1, 1, 2, 2]))).toEqual([-1, -1, -1, -1]);
  });

  it('maxPool2dBackward routes dy to the first max of each window', () => {
    const dx = run('maxPool2dBackward', [tensor([10, 20, 30, 40], [1, 1, 2, 2]), tensor(x, xs)], a2, xs);
    // window 0: 5 at (1,0) first (before (1,1)); window 3: 9 at (2,2) first of three 9s
    expect(Array.from(dx)).toEqual([
      0, 0, 0, 0,
      10, 0, 0, 20,
      0, 0, 40, 0,
      30, 0, 0, 0,
    ]);
  });

  it('overlapping windows accumulate in maxPool2dBackward', () => {
    const a: Pool2dAttrs = { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] };
    const dy = Array(16).fill(1);
    const dx = run('maxPool2dBackward', [tensor(dy, xs), tensor(x, xs)], a, xs);
    const fwd = run('maxPool2d', [tensor(x, xs)], a, xs);
    expect(Array.from(dx).reduce((s, v) => s + v, 0)).toBe(16);
    // every window's max equals x at the receiving positions
    expect(Array.from(fwd)).toEqual([5, 5, 7, 7, 5, 9, 9, 9, 5, 9, 9, 9, 4, 9, 9, 9]);
    // (1,0) is the first max of windows (0,0), (0,1), (1,0), (2,0); the 9 at (2,2) comes
    // before the other 9s in all 9 windows that contain it.
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 4, 0, 0, 2, 0, 0, 9, 0, 1, 0, 0, 0]);
  });

  it('avgPool2d with and without countIncludePad', () => {
    const a: Pool2dAttrs = { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] };
    const v = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    expect(Array.from(run('avgPool2d', [v], { ...a, countIncludePad: false }, [1, 1, 2, 2]))).toEqual([1, 2, 3, 4]);
    expect(Array.from(run('avgPool2d', [v], { ...a, countIncludePad: true }, [1, 1, 2, 2]))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Array.from(run('avgPool2d', [tensor(x, xs)], { ...a2, countIncludePad: false }, [1, 1, 2, 2]))).toEqual([3.5, 2.5, 1.75, 7.5]);
  });

  for (const countIncludePad of [false, true]) {
    it(`avgPool2dBackward is the adjoint of avgPool2d (countIncludePad=${countIncludePad})`, () => {
      const a = { kernel: [3, 2] as [number, number], strides: [2, 1] as [number, number], pads: [1, 1, 0, 1] as [number, number, number, number], countIncludePad };
      const shape = [2, 3, 5, 4];
      const ys = [2, 3, 3, 4];
      const xv = seq(120, 41);
      const dyv = seq(72, 42);
      const y = run('avgPool2d', [tensor(xv, shape)], a, ys);
      const dx = run('avgPool2dBackward', [tensor(dyv, ys)], { ...a, inputShape: shape }, shape);
      expect(Math.abs(dot(y, dyv) - dot(xv, dx))).toBeLessThan(1e-12);
    });
  }
});
