import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, matmul, memory, noGrad, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  LayerConfigError,
  LearnedPositionalEmbedding,
  RotaryEmbedding,
  SiLU,
  SinusoidalPositionalEncoding,
  SwiGLU,
  applyRotary,
  functional as F,
  loadModel,
  saveModel,
} from '../src/index.js';
import { gradCheck, randT } from './helpers.js';
import { type Arr, type GradCase, TOL, expectForwardAndGrads, expectMatches, readFixture, toState, toTensor } from './torch-fixture.js';

beforeAll(() => use(cpu()));

interface RotaryCase extends GradCase { name: string; interleaved: boolean; base: number; offset: number; x: Arr }
const fx = readFixture<{
  silu: GradCase & { x: Arr };
  swiglu: GradCase & { dim: number; hidden: number; state: Record<string, Arr>; x: Arr };
  sinusoidal: { dModel: number; maxLen: number; pe: Arr; x: Arr; out: Arr };
  rotary: RotaryCase[];
}>('transformer.json');
const DTYPES = ['float64', 'float32'] as const;

describe('SiLU and SwiGLU against PyTorch 1.13', () => {
  for (const dtype of DTYPES) {
    it(`SiLU: nn.SiLU's output and gradient (${dtype})`, () => {
      const x = toTensor(fx.silu.x, dtype).requiresGrad_();
      expectForwardAndGrads(fx.silu, dtype, () => new SiLU().call(x), [['x', x]]);
    });
    it(`SwiGLU: w2(silu(w1 x) · w3 x) with LLaMA's names, forward and gradients (${dtype})`, () => {
      const m = new SwiGLU(fx.swiglu.dim, fx.swiglu.hidden, { dtype });
      m.loadStateDict(toState(fx.swiglu.state, dtype));
      const x = toTensor(fx.swiglu.x, dtype).requiresGrad_();
      expectForwardAndGrads(fx.swiglu, dtype, () => m.call(x), [['x', x], ...m.namedParameters()]);
    });
  }

  it('SiLU and SwiGLU gradients match finite differences (float64)', () => {
    const x = randT([2, 3, 4], 7, 3).requiresGrad_();
    gradCheck(() => F.silu(x), [x]);
    const m = new SwiGLU(4, 6, { bias: true, dtype: 'float64' });
    gradCheck(() => m.call(x), [x, ...m.parameters()]);
  });

  it('SwiGLU names, errors and model-file round trip', async () => {
    expect(new SwiGLU(4, 6).namedParameters().map(([n, p]) => `${n} ${p.shape}`)).toEqual(['w1.weight 6,4', 'w2.weight 4,6', 'w3.weight 6,4']);
    expect(() => new SwiGLU(4, 6).call(randT([2, 5]).cast('float32'))).toThrow(/SwiGLU\(4, 6\): expected input of shape \[\*, 4\] but got \[2, 5\]/);
    expect(() => new SwiGLU(0, 6)).toThrow(LayerConfigError);
    const m = new SwiGLU(4, 6, { dtype: 'float64' });
    const again = loadModel(await saveModel(m)) as SwiGLU;
    const x = randT([3, 4], 8);
    expect(Array.from(again.call(x).dataSync())).toEqual(Array.from(m.call(x).dataSync()));
    expect(loadModel(await saveModel(new SiLU()))).toBeInstanceOf(SiLU);
  });
});

describe('positional encodings', () => {
  const s = fx.sinusoidal;
  it("sinusoidal: the table and x + pe match PyTorch's tutorial PositionalEncoding", () => {
    const m = new SinusoidalPositionalEncoding(s.dModel, { maxLen: s.maxLen, batchFirst: true, dtype: 'float64' }).eval();
    expectMatches(m.pe, s.pe, TOL.float64);
    expectMatches(m.call(toTensor(s.x, 'float64')), s.out, TOL.float64);
    const m32 = new SinusoidalPositionalEncoding(s.dModel, { maxLen: s.maxLen, batchFirst: true }).eval();
    expectMatches(m32.call(toTensor(s.x, 'float32')), s.out, TOL.float32);
    expect(m.stateDict()).toEqual({}); // fixed: not saved
  });

  it('sinusoidal: seq-first layout, offsets, dropout in training only, errors', () => {
    const m = new SinusoidalPositionalEncoding(6, { maxLen: 7, dtype: 'float64' });
    const x = randT([2, 3, 6], 9); // [L=2, N=3, E]
    const y = m.eval().call(x, { offset: 4 });
    const expected = Array.from(x.add(m.pe.narrow(0, 4, 2).unsqueeze(1)).dataSync());
    expect(Array.from(y.dataSync())).toEqual(expected);
    expect(Array.from(m.train().call(x, { offset: 4 }).dataSync())).not.toEqual(expected);
    expect(() => m.call(x, { offset: 6 })).toThrow(/positions 6…7 .* must lie in \[0, 7\); build it with a larger maxLen/);
    expect(() => m.call(randT([2, 3, 4]))).toThrow(ShapeError);
    expect(() => new SinusoidalPositionalEncoding(5)).toThrow(/dModel must be even/);
    const before = memory().numTensors;
    new SinusoidalPositionalEncoding(4, { maxLen: 3 }).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('learned: adds trained rows, PyTorch nn.Embedding key, gradients reach the used rows only', async () => {
    const m = new LearnedPositionalEmbedding(5, 4, { batchFirst: true, dtype: 'float64' });
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    const x = randT([2, 3, 4], 10).requiresGrad_();
    expect(Array.from(m.call(x, { offset: 1 }).dataSync())).toEqual(Array.from(x.add(m.weight.narrow(0, 1, 3)).dataSync()));
    gradCheck(() => m.call(x, { offset: 1 }), [x, m.weight]);
    tidy(() => void m.call(x, { offset: 1 }).sum().backward());
    const g = Array.from(m.weight.grad!.dataSync());
    expect(g.slice(0, 4).every((v) => v === 0) && g.slice(16).every((v) => v === 0)).toBe(true);
    expect(g.slice(4, 16).every((v) => v === 2)).toBe(true); // two sequences in the batch
    const again = loadModel(await saveModel(m)) as LearnedPositionalEmbedding;
    expect(Array.from(again.weight.dataSync())).toEqual(Array.from(m.weight.dataSync()));
    expect(() => m.call(x, { offset: 3 })).toThrow(ShapeError);
  });

  for (const c of fx.rotary) {
    for (const dtype of DTYPES) {
      it(`rotary ${c.name}: matches the reference written with torch ops, forward and gradient (${dtype})`, () => {
        const x = toTensor(c.x, dtype).requiresGrad_();
        const rope = new RotaryEmbedding(c.x.shape[3], { base: c.base, interleaved: c.interleaved });
        expectForwardAndGrads(c, dtype, () => rope.call(x, { offset: c.offset }), [['x', x]]);
      });
    }
  }

  it('rotary: q·k depends only on the distance between positions, and norms are kept', () => {
    for (const interleaved of [true, false]) {
      // The same q at every position, the same k at every position: scores[i][j] = f(i − j).
      const q = randT([1, 8], 11).tile([6, 1]);
      const k = randT([1, 8], 12).tile([6, 1]);
      const rq = applyRotary(q, { interleaved, base: 100 });
      const scores = matmul(rq, applyRotary(k, { interleaved, base: 100 }), { transposeB: true }).dataSync();
      for (let i = 1; i < 6; i++) for (let j = 1; j < 6; j++) expect(scores[i * 6 + j]).toBeCloseTo(scores[(i - 1) * 6 + (j - 1)], 12);
      expect(scores[0 * 6 + 1]).not.toBeCloseTo(scores[1 * 6 + 0], 3); // but not symmetric: direction matters
      const norms = noGrad(() => rq.square().sum(1).dataSync());
      const n0 = q.square().sum(1).dataSync()[0];
      norms.forEach((n) => expect(n).toBeCloseTo(n0, 12));
    }
  });

  it('rotary: gradients match finite differences, no parameters, round trip and errors', async () => {
    const x = randT([2, 3, 4], 13).requiresGrad_();
    gradCheck(() => applyRotary(x, { offset: 2 }), [x]);
    const rope = new RotaryEmbedding(4, { base: 500, interleaved: false });
    expect(rope.parameters()).toEqual([]);
    const again = loadModel(await saveModel(rope)) as RotaryEmbedding;
    expect([again.base, again.interleaved]).toEqual([500, false]);
    expect(() => rope.call(randT([3, 6]))).toThrow(/RotaryEmbedding\(4\): expected input of shape \[\.\.\., L, 4\]/);
    expect(() => applyRotary(randT([3, 5]))).toThrow(/even feature size/);
    expect(() => new RotaryEmbedding(3)).toThrow(LayerConfigError);
  });
});
