import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerConfigError, LayerNorm, LocalResponseNorm } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const flat = (t: Tensor): number[] => Array.from(t.dataSync());

/** LayerNorm by hand: each consecutive group of `group` values normalised, then w[i % group]·ŷ + b[i % group]. */
function layerNormByHand(data: number[], group: number, w: number[], b: number[], eps = 1e-5): number[] {
  const out: number[] = [];
  for (let g = 0; g < data.length; g += group) {
    const xs = data.slice(g, g + group);
    const m = xs.reduce((a, v) => a + v, 0) / group;
    const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / group;
    xs.forEach((x, i) => out.push(((x - m) / Math.sqrt(v + eps)) * w[i] + b[i]));
  }
  return out;
}

/**
 * LRN by hand, PyTorch's formula: b_c = a_c / (k + alpha/size · Σ_{c' = c−⌊size/2⌋}^{c+⌊(size−1)/2⌋} a_c'²)^beta,
 * channels outside [0, C) contribute nothing. Input [N, C, rest] row-major.
 */
function lrnByHand(data: number[], n: number, c: number, size: number, alpha: number, beta: number, k: number): number[] {
  const rest = data.length / (n * c);
  const at = (b: number, ch: number, r: number): number => data[(b * c + ch) * rest + r];
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let r = 0; r < rest; r++) {
        let s = 0;
        for (let j = ch - Math.floor(size / 2); j <= ch + Math.floor((size - 1) / 2); j++) if (j >= 0 && j < c) s += at(b, j, r) ** 2;
        out.push(at(b, ch, r) / (k + (alpha / size) * s) ** beta);
      }
    }
  }
  return out;
}

describe('LayerNorm', () => {
  it('normalises the last axis per sample with the biased variance, then scales and shifts (by hand)', () => {
    const ln = new LayerNorm(3, { dtype: 'float64' });
    noGrad(() => tidy(() => {
      ln.weight!.assign(tensor([0.5, 1, 2], { dtype: 'float64' }));
      ln.bias!.assign(tensor([0.1, 0, -0.1], { dtype: 'float64' }));
    }));
    const data = [1, 2, 4, -3, 0, 9, 5, 5, 6, 0.5, 0.25, 0];
    const y = ln.call(tensor(data, { shape: [2, 2, 3], dtype: 'float64' }));
    expect(y.shape).toEqual([2, 2, 3]);
    expectClose(flat(y), layerNormByHand(data, 3, [0.5, 1, 2], [0.1, 0, -0.1]), 1e-12);
  });

  it('normalises over several trailing axes; the same in eval mode', () => {
    const ln = new LayerNorm([2, 3], { eps: 1e-3, dtype: 'float64' });
    const x = randT([2, 2, 3], 3, 4);
    const want = layerNormByHand(flat(x), 6, [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0], 1e-3);
    expectClose(flat(ln.call(x)), want, 1e-12);
    expectClose(flat(ln.eval().call(x)), want, 1e-12);
  });

  it('has PyTorch parameters: weight ones, bias zeros of normalizedShape; none without elementwiseAffine', () => {
    const ln = new LayerNorm([4, 5]);
    expect(ln.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [4, 5]], ['bias', [4, 5]]]);
    expect(flat(ln.weight!).every((v) => v === 1)).toBe(true);
    expect(flat(ln.bias!).every((v) => v === 0)).toBe(true);
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toHaveLength(0);
    expect(new LayerNorm(4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(String(ln)).toBe('LayerNorm([4, 5], eps=0.00001, elementwiseAffine=true)');
  });

  it('gradients pass float64 finite differences (input, weight, bias)', () => {
    const ln = new LayerNorm([2, 3], { dtype: 'float64' });
    noGrad(() => tidy(() => {
      ln.weight!.assign(randT([2, 3], 21).add(1));
      ln.bias!.assign(randT([2, 3], 22));
    }));
    const x = randT([2, 2, 3], 23).requiresGrad_();
    gradCheck(() => ln.call(x), [x, ln.weight!, ln.bias!]);
  });

  it('bad input names the layer, the expected trailing shape and the actual shape', () => {
    const ln = new LayerNorm([4, 5]);
    expect(() => ln.call(randT([2, 3, 5], 1).cast('float32'))).toThrow(ShapeError);
    expect(() => ln.call(randT([2, 3, 5], 1).cast('float32'))).toThrow(/LayerNorm\(\[4, 5\]\): expected input of shape \[\*, 4, 5\] but got \[2, 3, 5\]/);
    expect(() => ln.call(randT([5], 1).cast('float32'))).toThrow(/but got \[5\]/);
    expect(() => ln.call(randT([2, 4, 5], 1))).toThrow(DTypeError);
    expect(() => new LayerNorm([])).toThrow(LayerConfigError);
    expect(() => new LayerNorm([3, -1])).toThrow(/normalizedShape\[1\] must be an integer ≥ 1/);
  });
});

describe('LocalResponseNorm', () => {
  it('matches PyTorch\'s formula across channels (alpha divided by size), odd and even windows, by hand', () => {
    const x = randT([2, 5, 3], 31, 2);
    for (const [size, alpha, beta, k] of [[3, 0.5, 0.75, 2], [2, 1.5, 0.6, 1], [5, 1e-4, 0.75, 1], [1, 2, 1, 0.5]]) {
      const lrn = new LocalResponseNorm(size, { alpha, beta, k });
      expectClose(flat(lrn.call(x)), lrnByHand(flat(x), 2, 5, size, alpha, beta, k), 1e-12);
    }
  });

  it('works on [N, C, H, W] and has no parameters', () => {
    const x = randT([1, 4, 2, 3], 32, 3);
    const lrn = new LocalResponseNorm(3, { alpha: 1, k: 1 });
    expect(lrn.parameters()).toHaveLength(0);
    expectClose(flat(lrn.call(x)), lrnByHand(flat(x), 1, 4, 3, 1, 0.75, 1), 1e-12);
    expect(String(lrn)).toBe('LocalResponseNorm(3, alpha=1, beta=0.75, k=1)');
  });

  it('gradients pass float64 finite differences', () => {
    const x = randT([2, 4, 3], 33, 2).requiresGrad_();
    const lrn = new LocalResponseNorm(3, { alpha: 0.8, beta: 0.75, k: 1 });
    gradCheck(() => lrn.call(x), [x]);
  });

  it('rejects inputs without a spatial axis and bad options', () => {
    const lrn = new LocalResponseNorm(5);
    expect(() => lrn.call(randT([2, 6], 1))).toThrow(ShapeError);
    expect(() => lrn.call(randT([2, 6], 1))).toThrow(/LocalResponseNorm\(5\): expected input of shape \[N, C, L\] or \[N, C, H, W\] but got \[2, 6\]/);
    expect(() => new LocalResponseNorm(0)).toThrow(LayerConfigError);
    expect(() => new LocalResponseNorm(3, { beta: -1 })).toThrow(/beta must be in/);
  });
});
