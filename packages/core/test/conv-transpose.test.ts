import { describe, expect, it } from 'vitest';
import { ShapeError, conv2d, conv2dTranspose, gradients, memory, noGrad, tensor, tidy, type Tensor } from '@tessera/core';
import type { CpuStorage } from '@tessera/backend-cpu';
import { useCpu } from './setup.js';

useCpu();

/** Deterministic values in [-1, 1). */
function vals(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}
const f64 = (shape: number[], seed: number) => tensor(vals(shape.reduce((a, b) => a * b, 1), seed), { shape, dtype: 'float64' });

interface Geo {
  stride: [number, number];
  padding: [number, number];
  outputPadding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** The definition, written out: every input pixel scatters x·w into the output (cropped by padding). */
function scatterReference(x: Tensor, w: Tensor, g: Geo): { shape: number[]; data: number[] } {
  const [N, Cin, H, W] = x.shape;
  const [, Cog, kH, kW] = w.shape;
  const Cout = Cog * g.groups;
  const Cig = Cin / g.groups;
  const Ho = (H - 1) * g.stride[0] - 2 * g.padding[0] + g.dilation[0] * (kH - 1) + g.outputPadding[0] + 1;
  const Wo = (W - 1) * g.stride[1] - 2 * g.padding[1] + g.dilation[1] * (kW - 1) + g.outputPadding[1] + 1;
  const xv = x.dataSync();
  const wv = w.dataSync();
  const out = new Array<number>(N * Cout * Ho * Wo).fill(0);
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let oc = 0; oc < Cog; oc++)
            for (let a = 0; a < kH; a++)
              for (let b = 0; b < kW; b++) {
                const oi = i * g.stride[0] - g.padding[0] + a * g.dilation[0];
                const oj = j * g.stride[1] - g.padding[1] + b * g.dilation[1];
                if (oi < 0 || oi >= Ho || oj < 0 || oj >= Wo) continue;
                const co = Math.floor(ci / Cig) * Cog + oc;
                out[((n * Cout + co) * Ho + oi) * Wo + oj] +=
                  xv[((n * Cin + ci) * H + i) * W + j] * wv[((ci * Cog + oc) * kH + a) * kW + b];
              }
  return { shape: [N, Cout, Ho, Wo], data: out };
}

const cases: [string, number[], number[], Geo][] = [
  ['plain', [1, 1, 2, 2], [1, 1, 2, 2], { stride: [1, 1], padding: [0, 0], outputPadding: [0, 0], dilation: [1, 1], groups: 1 }],
  ['stride 2, padding 1, outputPadding 1', [2, 2, 3, 3], [2, 3, 3, 3], { stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], dilation: [1, 1], groups: 1 }],
  ['outputPadding beyond padding, uneven stride', [1, 2, 2, 3], [2, 1, 2, 3], { stride: [3, 2], padding: [0, 1], outputPadding: [2, 0], dilation: [1, 1], groups: 1 }],
  ['dilation and groups', [1, 4, 3, 2], [4, 1, 2, 2], { stride: [1, 2], padding: [1, 0], outputPadding: [0, 1], dilation: [2, 1], groups: 2 }],
];

describe('conv2dTranspose', () => {
  it('scatters a 1-channel 2×2 input by hand', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    const w = tensor([[[[1, 10], [100, 1000]]]]);
    // out[i+a][j+b] += x[i][j]·w[a][b]
    expect(conv2dTranspose(x, w).arraySync()).toEqual([[[
      [1, 12, 20],
      [103, 1234, 2040],
      [300, 3400, 4000],
    ]]]);
  });

  for (const [name, xs, ws, g] of cases) {
    it(`matches the scatter definition: ${name}`, () => {
      const x = f64(xs, 3);
      const w = f64(ws, 5);
      const ref = scatterReference(x, w, g);
      const y = conv2dTranspose(x, w, g);
      expect(y.shape).toEqual(ref.shape);
      const got = y.dataSync();
      ref.data.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-12));
    });
  }

  it('is the adjoint of conv2d: <conv2d(a, w), b> = <a, conv2dTranspose(b, w)>', () => {
    const a = f64([2, 2, 7, 6], 11);
    const w = f64([4, 1, 3, 2], 13);
    const o = { stride: [2, 1] as [number, number], padding: [1, 0] as [number, number], dilation: [1, 2] as [number, number], groups: 2 };
    const y = conv2d(a, w, o);
    const b = f64([...y.shape], 17);
    // 7 + 2·1 − 3 = 6 is even, so the stride-2 rows lose nothing: outputPadding 0 recovers height 7.
    const back = conv2dTranspose(b, w, { ...o, outputPadding: [0, 0] });
    expect(back.shape).toEqual(a.shape);
    const lhs = y.mul(b).sum().itemSync();
    const rhs = a.mul(back).sum().itemSync();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10);
  });

  it('gradients in x, w and bias match finite differences', () => {
    const g = cases[3][3];
    const x = f64([1, 4, 3, 2], 21).requiresGrad_();
    const w = f64([4, 1, 2, 2], 23).requiresGrad_();
    const bias = f64([2], 29).requiresGrad_();
    const r = f64([1, 2, 3, 5], 31);
    const f = () => conv2dTranspose(x, w, { ...g, bias }).mul(r).sum();
    const grads = gradients(f(), [x, w, bias]);
    const eps = 1e-6;
    [x, w, bias].forEach((t, k) => {
      const data = (t.storage.dataId as CpuStorage).values as Float64Array; // perturb the CPU storage in place
      const an = grads[k].dataSync();
      for (let i = 0; i < data.length; i++) {
        const o = data[i];
        data[i] = o + eps;
        const fp = noGrad(() => tidy(() => f().itemSync()));
        data[i] = o - eps;
        const fm = noGrad(() => tidy(() => f().itemSync()));
        data[i] = o;
        expect(Math.abs(an[i] - (fp - fm) / (2 * eps)), `input ${k}, element ${i}`).toBeLessThan(1e-6);
      }
    });
  });

  it('leaves no tensors behind', () => {
    const x = f64([1, 2, 3, 3], 1);
    const w = f64([2, 2, 3, 3], 2);
    const before = memory().numTensors;
    tidy(() => void conv2dTranspose(x, w, { stride: 2, padding: 0, outputPadding: 1 }).sum());
    expect(memory().numTensors).toBe(before);
  });

  it('rejects channel mismatches and impossible outputPadding with a ShapeError', () => {
    const x = f64([1, 3, 2, 2], 1);
    expect(() => conv2dTranspose(x, f64([2, 1, 3, 3], 2))).toThrow(ShapeError);
    expect(() => conv2dTranspose(x, f64([2, 1, 3, 3], 2))).toThrow(/input has 3 channels but weight \[2, 1, 3, 3\]/);
    expect(() => conv2dTranspose(x, f64([3, 1, 3, 3], 2), { stride: 2, outputPadding: 2 })).toThrow(/outputPadding 2/);
    expect(() => conv2dTranspose(x, f64([3, 1, 1, 1], 2), { padding: 2 })).toThrow(/empty output/);
  });
});
