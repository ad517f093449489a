import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, manualSeed, memory, noGrad, scaledDotProductAttention, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerConfigError, MultiheadAttention, StateDictError, TransformerEncoderLayer } from '../src/index.js';
import { gradCheck, randT } from './helpers.js';
import { type Arr, type Float, TOL, expectForwardAndGrads, expectMatches, toTensor } from './torch-fixture.js';
import { encoder, expectFusedAttention, fixture, mha, opsRun } from './attention-fixture.js';

beforeAll(() => use(cpu()));

const { E } = fixture;

const worst: Record<string, number> = {};
const note = (key: string, err: number) => void (worst[key] = Math.max(worst[key] ?? 0, err));
const asInputs = (entries: [string, Arr][], dtype: Float): [string, Tensor][] => entries.map(([n, a]) => [n, toTensor(a, dtype).requiresGrad_()]);

describe('MultiheadAttention against PyTorch 1.13 (eval, PyTorch state dict loaded strictly)', () => {
  for (const c of fixture.multiheadAttention) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype}): output and weights`, () => {
        const m = mha(c, dtype);
        const masks = {
          keyPaddingMask: c.keyPaddingMask && toTensor(c.keyPaddingMask, dtype),
          attnMask: c.attnMask && toTensor(c.attnMask, dtype),
          averageAttnWeights: c.average,
        };
        const [q, k, v] = [toTensor(c.query, dtype), toTensor(c.key, dtype), toTensor(c.value, dtype)];
        const { output, weights } = m.forwardWithWeights(q, k, v, masks);
        note(`MHA ${dtype}`, Math.max(expectMatches(output, c.out, TOL[dtype], 'output'), expectMatches(weights, c.weights, TOL[dtype], 'weights')));
      });

      it(`${c.name} (${dtype}): output and gradients of every input and parameter through the fused attention`, () => {
        const m = mha(c, dtype);
        const masks = { keyPaddingMask: c.keyPaddingMask && toTensor(c.keyPaddingMask, dtype), attnMask: c.attnMask && toTensor(c.attnMask, dtype) };
        const ins = asInputs([['query', c.query], ['key', c.key], ['value', c.value]], dtype);
        const names = opsRun(() =>
          note(`MHA grads ${dtype}`, expectForwardAndGrads(c, dtype, () => m.call(ins[0][1], ins[1][1], ins[2][1], masks), [...ins, ...m.namedParameters()])),
        );
        expectFusedAttention(names);
      });
    }
  }

  it('names its parameters like PyTorch (packed in_proj_weight, or q/k/v_proj_weight when kdim/vdim differ)', () => {
    expect(new MultiheadAttention(8, 2).namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'in_proj_weight 24x8', 'in_proj_bias 24', 'out_proj.weight 8x8', 'out_proj.bias 8',
    ]);
    expect(new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false }).namedParameters().map(([n]) => n)).toEqual([
      'q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'out_proj.weight',
    ]);
  });

  it('unbatched [L, E] input gives the batched result of a batch of one', () => {
    const c = fixture.multiheadAttention[0];
    const m = mha(c, 'float64');
    const [q, k, v] = [randT([5, E], 1), randT([6, E], 2), randT([6, E], 3)];
    const pad = tensor([0, 0, 0, 0, 1, 1], { dtype: 'bool' });
    const one = m.forwardWithWeights(q, k, v, { keyPaddingMask: pad });
    const batched = m.forwardWithWeights(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1), { keyPaddingMask: pad.unsqueeze(0) });
    expect(one.output.shape).toEqual([5, E]);
    expect(one.weights.shape).toEqual([5, 6]);
    expect(Array.from(one.output.dataSync())).toEqual(Array.from(batched.output.dataSync()));
    expect(Array.from(one.weights.dataSync()).filter((_, i) => i % 6 >= 4).every((w) => w === 0)).toBe(true);
  });

  it('gradients of every parameter and input match finite differences (float64)', () => {
    const m = new MultiheadAttention(4, 2, { dtype: 'float64', batchFirst: true });
    const [q, k] = [randT([2, 3, 4], 5).requiresGrad_(), randT([2, 4, 4], 6).requiresGrad_()];
    const pad = tensor([0, 0, 0, 0, 0, 0, 1, 1], { shape: [2, 4], dtype: 'bool' });
    gradCheck(() => m.call(q, k, k, { keyPaddingMask: pad }), [q, k, ...m.parameters()]);
  });

  it('dropout on the weights in training only, seeded', () => {
    const m = new MultiheadAttention(8, 2, { dropout: 0.5, dtype: 'float64' });
    const x = randT([5, 2, 8], 7);
    const run = () => Array.from(m.call(x, x, x).dataSync());
    manualSeed(1);
    const a = run();
    manualSeed(1);
    expect(run()).toEqual(a);
    const evalOut = Array.from(m.eval().call(x, x, x).dataSync());
    expect(evalOut).not.toEqual(a);
    expect(Array.from(m.call(x, x, x).dataSync())).toEqual(evalOut);
  });

  it('rejects bad configurations, shapes and masks with errors naming the layer', () => {
    expect(() => new MultiheadAttention(10, 3)).toThrow(LayerConfigError);
    expect(() => new MultiheadAttention(10, 3)).toThrow(/embedDim 10 must be divisible by numHeads 3/);
    expect(() => new MultiheadAttention(8, 2, { dropout: 1 })).toThrow(LayerConfigError);
    const m = new MultiheadAttention(8, 2, { dtype: 'float64' });
    const x = randT([5, 2, 8], 1);
    expect(() => m.call(x, randT([6, 2, 4], 2), randT([6, 2, 8], 3))).toThrow(/MultiheadAttention\(8, heads=2\): expected input of shape \[S, N, 8\] but got \[6, 2, 4\]\. This is the key/);
    expect(() => m.call(x, randT([6, 3, 8], 2), randT([6, 3, 8], 3))).toThrow(ShapeError);
    expect(() => m.call(x, x, x, { keyPaddingMask: tensor([0, 1, 0, 1, 0], { dtype: 'bool', shape: [1, 5] }) })).toThrow(/keyPaddingMask must be \[N, S\] = \[2, 5\]/);
    expect(() => m.call(x, x, x, { attnMask: randT([4, 5], 1) })).toThrow(/attnMask must be \[L, S\] = \[5, 5\] or \[N·numHeads, L, S\] = \[4, 5, 5\]/);
    expect(() => m.call(x, x, x, { attnMask: tensor(Array(25).fill(0), { shape: [5, 5], dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => m.loadStateDict({ in_proj_weight: randT([24, 8], 1) })).toThrow(StateDictError);
  });
});

describe('TransformerEncoderLayer against PyTorch 1.13 (eval, PyTorch state dict loaded strictly)', () => {
  for (const c of fixture.transformerEncoderLayer) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype})`, () => {
        const m = encoder(c, dtype);
        const masks = {
          srcMask: c.srcMask && toTensor(c.srcMask, dtype),
          srcKeyPaddingMask: c.srcKeyPaddingMask && toTensor(c.srcKeyPaddingMask, dtype),
        };
        const src = asInputs([['src', c.src]], dtype);
        const names = opsRun(() => note(`encoder ${dtype}`, expectForwardAndGrads(c, dtype, () => m.call(src[0][1], masks), [...src, ...m.namedParameters()])));
        expectFusedAttention(names);
      });
    }
  }

  it("uses PyTorch's sub-module names", () => {
    expect(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).namedParameters().map(([n]) => n)).toEqual(Object.keys(fixture.transformerEncoderLayer[0].state));
  });

  it('trains: gradients of a pre-norm gelu layer match finite differences, and no tensors leak', () => {
    const m = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: 'gelu', normFirst: true, batchFirst: true, dtype: 'float64' });
    const x = randT([2, 3, 4], 9).requiresGrad_();
    gradCheck(() => m.call(x), [x, ...m.parameters()]);
    const step = () => {
      tidy(() => void m.call(x).sum().backward());
      m.zeroGrad();
      noGrad(() => tidy(() => void m.call(x)));
    };
    step(); // x.grad and the parameters' grads now exist
    const before = memory().numTensors;
    step();
    step();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects an unknown activation', () => {
    expect(() => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(/activation must be 'relu' or 'gelu'/);
  });

});

describe("scaledDotProductAttention against F.scaled_dot_product_attention's math (PyTorch 1.13 ops)", () => {
  for (const c of fixture.scaledDotProductAttention) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype}): output and dq, dk, dv through the fused backward`, () => {
        const ins = asInputs([['q', c.q], ['k', c.k], ['v', c.v]], dtype);
        const mask = c.mask && toTensor(c.mask, dtype);
        const f = () => scaledDotProductAttention(ins[0][1], ins[1][1], ins[2][1], { mask, causal: c.causal, scale: c.scale });
        const names = opsRun(() => note(`sdpa ${dtype}`, expectForwardAndGrads(c, dtype, f, ins)));
        expectFusedAttention(names);
      });
    }
  }

  it('reports the worst relative error against PyTorch', () => {
    console.log(`max relative error vs PyTorch 1.13: ${JSON.stringify(worst)}`);
    expect(Object.keys(worst).length).toBe(8);
  });
});
