import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, manualSeed, memory, noGrad, ones, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  Add, AdaptiveAvgPool2d, Concat, Conv2d, ConvTranspose2d, DropConnect, Dropout, Embedding, Flatten, GaussianNoise,
  AvgPool2d, LayerConfigError, Linear, LocallyConnected2d, MaxPool2d, Module, ReLU, Sequential, Tanh,
} from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const flat = (t: Tensor) => Array.from(t.dataSync());

describe('Dropout', () => {
  it('zeroes about p of the inputs, scales the rest by 1/(1−p), and is the identity in eval', () => {
    manualSeed(1);
    const d = new Dropout(0.25);
    const x = ones([100, 100]);
    const y = flat(d.call(x));
    const kept = y.filter((v) => v !== 0);
    // every kept value is exactly 1/(1 − 0.25)
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(Math.abs(1 - kept.length / 10000 - 0.25)).toBeLessThan(0.02);
    d.eval();
    expect(flat(d.call(x)).every((v) => v === 1)).toBe(true);
    expect(flat(new Dropout(0).call(x)).every((v) => v === 1)).toBe(true);
    expect(flat(new Dropout(1).call(x)).every((v) => v === 0)).toBe(true);
  });

  it('applies to inputs of any shape (input dropout) and its gradient is the same mask', () => {
    const d = new Dropout(0.5);
    const x = randT([2, 3, 4], 3).requiresGrad_();
    // the same seed gives the same mask in every evaluation of the finite differences
    gradCheck(() => {
      manualSeed(7);
      return d.call(x);
    }, [x]);
    manualSeed(7);
    const y = flat(d.call(x));
    const xv = flat(x);
    y.forEach((v, i) => expect(v === 0 || Math.abs(v - 2 * xv[i]) < 1e-12).toBe(true));
    expect(() => new Dropout(1.5)).toThrow(LayerConfigError);
    expect(() => d.call(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});

describe('GaussianNoise', () => {
  it('adds N(0, σ²) in training only', () => {
    manualSeed(2);
    const g = new GaussianNoise(0.5);
    const x = ones([200, 100]);
    const noise = flat(g.call(x)).map((v) => v - 1);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.02);
    g.eval();
    expect(flat(g.call(x)).every((v) => v === 1)).toBe(true);
    const xs = randT([3, 4], 5).requiresGrad_();
    g.train();
    gradCheck(() => {
      manualSeed(3);
      return g.call(xs);
    }, [xs]);
    expect(() => new GaussianNoise(-1)).toThrow(LayerConfigError);
  });
});

describe('DropConnect', () => {
  it('drops weights (not inputs) with one mask per call, scaled by 1/(1−p); full weights in eval', () => {
    const fc = new Linear(3, 2, { dtype: 'float64' });
    const dc = new DropConnect(fc, 0.5);
    expect(dc.namedParameters().map(([n]) => n)).toEqual(['module.weight', 'module.bias']);
    const x = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: 'float64' });
    manualSeed(4);
    // with one-hot rows, y[i] − b is column i of the effective weight: each entry is 0 or 2·w
    const y = dc.call(x).arraySync() as number[][];
    const w = fc.weight.arraySync() as number[][];
    const b = fc.bias!.arraySync() as number[];
    let dropped = 0;
    for (let i = 0; i < 3; i++)
      for (let o = 0; o < 2; o++) {
        const eff = y[i][o] - b[o];
        if (Math.abs(eff) < 1e-15) dropped++;
        else expect(eff).toBeCloseTo(2 * w[o][i], 12);
      }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(6);
    dc.eval();
    expectClose(dc.call(x).dataSync(), fc.call(x).dataSync(), 0);
  });

  it('passes gradient checks w.r.t. input and the wrapped weights, and wraps convolutions too', () => {
    const fc = new Linear(4, 3, { dtype: 'float64' });
    const dc = new DropConnect(fc, 0.3);
    const x = randT([2, 4], 8).requiresGrad_();
    gradCheck(() => {
      manualSeed(5);
      return dc.call(x);
    }, [x, fc.weight, fc.bias!]);
    const conv = new DropConnect(new Conv2d(1, 2, 2, { dtype: 'float64' }), 0.5);
    expect(conv.call(randT([1, 1, 3, 3], 1)).shape).toEqual([1, 2, 2, 2]);
    expect(() => new DropConnect(fc, 1)).toThrow(LayerConfigError);
  });
});

describe('Embedding', () => {
  it('looks up rows of weight for int32 indices of any shape', () => {
    const emb = new Embedding(4, 2, { dtype: 'float64' });
    noGrad(() => {
      const w = tensor([[0, 1], [10, 11], [20, 21], [30, 31]], { dtype: 'float64' });
      emb.weight.assign(w);
      w.dispose();
    });
    const y = emb.call(tensor([[3, 0], [1, 1]], { dtype: 'int32' }));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.arraySync()).toEqual([[[30, 31], [0, 1]], [[10, 11], [10, 11]]]);
    expect(() => emb.call(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => emb.call(tensor([1, 2]))).toThrow(/Embedding\(4, 2\): indices must be int32/);
  });

  it('initialises N(0, 1) with the padding row zeroed, which never gets a gradient', () => {
    manualSeed(6);
    const emb = new Embedding(100, 100, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(99);
    const v = flat(emb.weight);
    expect(v.slice(9900).every((x) => x === 0)).toBe(true);
    const rest = v.slice(0, 9900);
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const std = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);

    const small = new Embedding(5, 3, { paddingIdx: 2, dtype: 'float64' });
    const idx = tensor([0, 2, 4, 2, 0], { dtype: 'int32' });
    // without padding, the gradient is the finite-difference one (repeated indices accumulate)
    const plain = new Embedding(5, 3, { dtype: 'float64' });
    gradCheck(() => plain.call(idx), [plain.weight]);
    // with padding, PyTorch's rule: the padding row gets no gradient even though it is looked up
    small.call(idx).sum().backward();
    const g = small.weight.grad!.arraySync() as number[][];
    expect(g).toEqual([[2, 2, 2], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    expect(() => new Embedding(5, 3, { paddingIdx: 5 })).toThrow(LayerConfigError);
  });
});

describe('Add and Concat', () => {
  it('Add sums several same-shaped tensors (a residual block) and checks shapes', () => {
    const a = randT([2, 3], 1).requiresGrad_();
    const b = randT([2, 3], 2).requiresGrad_();
    const c = randT([2, 3], 3).requiresGrad_();
    const add = new Add();
    const av = flat(a), bv = flat(b), cv = flat(c);
    expectClose(add.call(a, b, c).dataSync(), av.map((v, i) => v + bv[i] + cv[i]), 1e-15);
    gradCheck(() => add.call(a, b.tanh(), c), [a, b, c]);
    expect(() => add.call(a, randT([3, 2], 1))).toThrow('Add: all inputs must have the same shape but got [2, 3], [3, 2]; project the shortcut (a 1×1 Conv2d) to match.');
    expect(() => add.call()).toThrow(ShapeError);
  });

  it('Concat joins along the channel axis (an Inception block) and checks the other axes', () => {
    const a = randT([1, 2, 2, 2], 1).requiresGrad_();
    const b = randT([1, 3, 2, 2], 2).requiresGrad_();
    const cat = new Concat();
    const y = cat.call(a, b);
    expect(y.shape).toEqual([1, 5, 2, 2]);
    expect(flat(y)).toEqual([...flat(a), ...flat(b)]);
    expect(new Concat(-1).call(a, a).shape).toEqual([1, 2, 2, 4]);
    gradCheck(() => cat.call(a, b.square()), [a, b]);
    expect(() => cat.call(a, randT([1, 2, 3, 2], 1))).toThrow(/Concat\(axis=1\): inputs must have the same rank and agree on every axis but 1; got \[1, 2, 2, 2\], \[1, 2, 3, 2\]/);
  });
});

describe('in a model', () => {
  it("LeNet-5 from these layers has PyTorch's parameter names, shapes and count (61,706), and a summary", () => {
    const lenet = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2 }), new Tanh(), new AvgPool2d(2),
      new Conv2d(6, 16, 5), new Tanh(), new AvgPool2d(2),
      new Flatten(), new Linear(400, 120), new Tanh(), new Linear(120, 84), new Tanh(), new Linear(84, 10),
    );
    expect(lenet.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      '0.weight:6x1x5x5', '0.bias:6', '3.weight:16x6x5x5', '3.bias:16', '7.weight:120x400', '7.bias:120',
      '9.weight:84x120', '9.bias:84', '11.weight:10x84', '11.bias:10',
    ]);
    expect(lenet.numParameters()).toBe(156 + 2416 + 48120 + 10164 + 850);
    const s = lenet.summary([2, 1, 28, 28]);
    expect(s.rows.map((r) => r.outputShapes[0])).toEqual([
      [2, 6, 28, 28], [2, 6, 28, 28], [2, 6, 14, 14], [2, 16, 10, 10], [2, 16, 10, 10], [2, 16, 5, 5],
      [2, 400], [2, 120], [2, 120], [2, 84], [2, 84], [2, 10],
    ]);
    expect(String(lenet)).toContain('(0): Conv2d(1, 6, kernelSize=(5, 5), stride=(1, 1), padding=(2, 2))');
  });
});

/** A small residual net with every parameterised layer kind, trained for a few steps. */
class Tiny extends Module {
  conv = new Conv2d(1, 2, 3, { padding: 1 });
  local = new LocallyConnected2d(2, 2, [4, 4], 2, { stride: 2 });
  up = new ConvTranspose2d(2, 2, 2, { stride: 2 });
  pool = new MaxPool2d(2, { ceilMode: true });
  adapt = new AdaptiveAvgPool2d(3);
  add = new Add();
  head = new Sequential(new Flatten(), new Dropout(0.2), new DropConnect(new Linear(18, 4), 0.3), new ReLU());
  emb = new Embedding(5, 4);
  forward(x: Tensor): Tensor {
    const h = this.conv.call(x).relu();
    const r = this.add.call(h, this.up.call(this.local.call(h)));
    const z = this.head.call(this.adapt.call(this.pool.call(r)));
    return tidy(() => z.add(this.emb.call(tensor([1, 3], { dtype: 'int32' }))));
  }
}

describe('memory', () => {
  it('a few training steps inside tidy keep memory().numTensors stable', () => {
    manualSeed(9);
    const net = new Tiny();
    const x = randT([2, 1, 4, 4], 1).cast('float32');
    const step = () =>
      tidy(() => {
        const loss = net.call(x).square().mean();
        loss.backward();
        noGrad(() => {
          for (const p of net.parameters()) {
            const next = p.sub(p.grad!.mul(0.01));
            p.assign(next);
            next.dispose();
          }
        });
        net.zeroGrad();
      });
    step();
    const after1 = memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(memory().numTensors).toBe(after1);
  });
});
