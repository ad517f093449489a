import { describe, expect, it } from 'vitest';
import type { Conv2dAttrs } from '@tessera/core';
import { dot, maxDiff, run, seq, tensor } from './helpers.js';

/** Direct 7-loop convolution, the reference. */
function naiveConv(x: number[], xs: number[], w: number[], ws: number[], a: Conv2dAttrs, Ho: number, Wo: number): number[] {
  const [N, C, H, W] = xs;
  const [O, Cg, kH, kW] = ws;
  const Og = O / a.groups;
  const y: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++) {
          let s = 0;
          const g = Math.floor(o / Og);
          for (let c = 0; c < Cg; c++)
            for (let ki = 0; ki < kH; ki++)
              for (let kj = 0; kj < kW; kj++) {
                const ih = oh * a.strides[0] - a.pads[0] + ki * a.dilations[0];
                const iw = ow * a.strides[1] - a.pads[2] + kj * a.dilations[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += x[((n * C + g * Cg + c) * H + ih) * W + iw] * w[((o * Cg + c) * kH + ki) * kW + kj];
              }
          y.push(s);
        }
  return y;
}

const outSize = (size: number, k: number, s: number, p0: number, p1: number, d: number) =>
  Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;

const cases: { name: string; xs: number[]; ws: number[]; a: Conv2dAttrs }[] = [
  { name: 'plain 3×3', xs: [2, 3, 6, 5], ws: [4, 3, 3, 3], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
  { name: 'stride 2, asymmetric padding, dilation 2, groups 2', xs: [2, 4, 9, 8], ws: [6, 2, 3, 2], a: { strides: [2, 2], pads: [1, 2, 0, 3], dilations: [2, 2], groups: 2 } },
  { name: 'mixed strides/dilations, depthwise', xs: [1, 3, 7, 10], ws: [3, 1, 2, 3], a: { strides: [1, 3], pads: [2, 0, 1, 1], dilations: [3, 1], groups: 3 } },
  { name: '1×1, stride 2', xs: [3, 2, 5, 5], ws: [5, 2, 1, 1], a: { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 } },
  { name: 'kernel larger than padded input in places', xs: [1, 2, 3, 3], ws: [2, 2, 3, 3], a: { strides: [3, 3], pads: [2, 2, 2, 2], dilations: [1, 1], groups: 1 } },
];

describe('conv2d', () => {
  for (const { name, xs, ws, a } of cases) {
    const [N, , H, W] = xs;
    const [O, , kH, kW] = ws;
    const Ho = outSize(H, kH, a.strides[0], a.pads[0], a.pads[1], a.dilations[0]);
    const Wo = outSize(W, kW, a.strides[1], a.pads[2], a.pads[3], a.dilations[1]);
    const ys = [N, O, Ho, Wo];
    const xv = seq(xs.reduce((p, d) => p * d), 21);
    const wv = seq(ws.reduce((p, d) => p * d), 22);
    const dyv = seq(ys.reduce((p, d) => p * d), 23);

    it(`${name}: forward matches the naive loop`, () => {
      const got = run('conv2d', [tensor(xv, xs), tensor(wv, ws)], a, ys);
      expect(maxDiff(got, naiveConv(xv, xs, wv, ws, a, Ho, Wo))).toBeLessThan(1e-12);
    });

    it(`${name}: backprops are exact adjoints`, () => {
      const y = run('conv2d', [tensor(xv, xs), tensor(wv, ws)], a, ys);
      const dx = run('conv2dBackpropInput', [tensor(dyv, ys), tensor(wv, ws)], { ...a, inputShape: xs }, xs);
      const dw = run('conv2dBackpropFilter', [tensor(xv, xs), tensor(dyv, ys)], { ...a, filterShape: ws }, ws);
      const lhs = dot(y, dyv);
      expect(Math.abs(lhs - dot(xv, dx))).toBeLessThan(1e-11);
      expect(Math.abs(lhs - dot(wv, dw))).toBeLessThan(1e-11);
    });
  }

  it('backprops match finite structure: gradient of one output element', () => {
    // dy = one-hot at a position: dx must be w placed under that window, dw the x patch.
    const xs = [1, 1, 4, 4];
    const ws = [1, 1, 2, 2];
    const a: Conv2dAttrs = { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    const xv = Array.from({ length: 16 }, (_, i) => i);
    const dy = [0, 0, 0, 1]; // output (1, 1) reads x rows 2..3, cols 2..3
    const dx = run('conv2dBackpropInput', [tensor(dy, [1, 1, 2, 2]), tensor([1, 2, 3, 4], ws)], { ...a, inputShape: xs }, xs);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4]);
    const dw = run('conv2dBackpropFilter', [tensor(xv, xs), tensor(dy, [1, 1, 2, 2])], { ...a, filterShape: ws }, ws);
    expect(Array.from(dw)).toEqual([10, 11, 14, 15]);
  });

  it('float32 forward', () => {
    const xs = [1, 2, 5, 5];
    const ws = [3, 2, 3, 3];
    const a: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
    const xv = seq(50, 31).map(Math.fround);
    const wv = seq(54, 32).map(Math.fround);
    const got = run('conv2d', [tensor(xv, xs, 'float32'), tensor(wv, ws, 'float32')], a, [1, 3, 5, 5], 'float32');
    expect(maxDiff(got, naiveConv(xv, xs, wv, ws, a, 5, 5))).toBeLessThan(1e-6);
  });
});
