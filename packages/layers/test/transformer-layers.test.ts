import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, type Tensor, memory, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  LayerConfigError,
  LayerNorm,
  MultiheadAttention,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  generateSquareSubsequentMask,
  loadModel,
  saveModel,
} from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';
import { type Arr, type Float, type GradCase, expectForwardAndGrads, expectMatches, readFixture, toState, toTensor } from './torch-fixture.js';

beforeAll(() => use(cpu()));

interface LayerOpts { dim_feedforward: number; activation?: 'relu' | 'gelu'; norm_first?: boolean; batch_first?: boolean }
type Masks = Partial<Record<'tgt_mask' | 'memory_mask' | 'tgt_key_padding_mask' | 'memory_key_padding_mask' | 'src_key_padding_mask', Arr>>;
interface DecoderCase extends GradCase, Masks { name: string; options: LayerOpts; state: Record<string, Arr>; tgt: Arr; memory: Arr }
interface StackCase extends GradCase, Masks { name: string; state: Record<string, Arr>; src?: Arr; tgt?: Arr; memory?: Arr }
type Inputs = Partial<Record<'src' | 'tgt' | 'memory', Arr>>;

const fx = readFixture<{
  transformerDecoderLayer: DecoderCase[];
  transformerEncoder: StackCase;
  transformerDecoder: StackCase;
  transformer: StackCase;
  squareSubsequentMask: Arr;
}>('transformer.json');
const E = 4;
const H = 2;
const DTYPES = ['float64', 'float32'] as const;
const worst: Record<string, number> = {};
const note = (key: string, err: number) => void (worst[key] = Math.max(worst[key] ?? 0, err));

const layerOptions = (o: LayerOpts, dtype: Float) => ({ dimFeedforward: o.dim_feedforward, activation: o.activation, normFirst: o.norm_first, batchFirst: o.batch_first, dtype });
const mask = (c: Masks, key: keyof Masks, dtype: Float): Tensor | undefined => (c[key] ? toTensor(c[key]!, dtype) : undefined);
const decoderMasks = (c: Masks, dtype: Float) => ({
  tgtMask: mask(c, 'tgt_mask', dtype),
  memoryMask: mask(c, 'memory_mask', dtype),
  tgtKeyPaddingMask: mask(c, 'tgt_key_padding_mask', dtype),
  memoryKeyPaddingMask: mask(c, 'memory_key_padding_mask', dtype),
});
const inputs = (c: Inputs, names: ('src' | 'tgt' | 'memory')[], dtype: Float): [string, Tensor][] =>
  names.map((n) => [n, toTensor(c[n]!, dtype).requiresGrad_()]);

describe('TransformerDecoderLayer against PyTorch 1.13 (forward and gradients, PyTorch state dict loaded strictly)', () => {
  for (const c of fx.transformerDecoderLayer) {
    for (const dtype of DTYPES) {
      it(`${c.name} (${dtype})`, () => {
        const m = new TransformerDecoderLayer(E, H, layerOptions(c.options, dtype));
        m.loadStateDict(toState(c.state, dtype));
        m.eval();
        const [tgt, mem] = inputs(c, ['tgt', 'memory'], dtype);
        note(`decoderLayer ${dtype}`, expectForwardAndGrads(c, dtype, () => m.call(tgt[1], mem[1], decoderMasks(c, dtype)), [tgt, mem, ...m.namedParameters()]));
      });
    }
  }

  it('tgtIsCausal gives the result of the causal mask, without building one', () => {
    const c = fx.transformerDecoderLayer[1];
    const m = new TransformerDecoderLayer(E, H, layerOptions(c.options, 'float64'));
    m.loadStateDict(toState(c.state, 'float64'));
    m.eval();
    const y = m.call(toTensor(c.tgt, 'float64'), toTensor(c.memory, 'float64'), { tgtIsCausal: true });
    expectMatches(y, c.out, 1e-10);
  });

  it("uses PyTorch's sub-module names and checks its options", () => {
    expect(new TransformerDecoderLayer(E, H, { dimFeedforward: 6 }).namedParameters().map(([n]) => n)).toEqual(Object.keys(fx.transformerDecoderLayer[0].state));
    expect(() => new TransformerDecoderLayer(8, 3)).toThrow(/embedDim 8 must be divisible by numHeads 3/);
    expect(() => new TransformerDecoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(LayerConfigError);
    expect(() => new TransformerDecoderLayer(8, 2, { dropout: 1 })).toThrow(/TransformerDecoderLayer: p must be in \[0, 1\)/);
  });

  it('gradients of a post-norm relu layer with masks match finite differences (float64), and no tensors leak', () => {
    const m = new TransformerDecoderLayer(4, 2, { dimFeedforward: 5, dropout: 0, dtype: 'float64' });
    const [tgt, mem] = [randT([3, 2, 4], 21).requiresGrad_(), randT([4, 2, 4], 22).requiresGrad_()];
    const pad = tensor([0, 0, 0, 0, 0, 0, 1, 1], { shape: [2, 4], dtype: 'bool' });
    gradCheck(() => m.call(tgt, mem, { tgtIsCausal: true, memoryKeyPaddingMask: pad }), [tgt, mem, ...m.parameters()]);
    const step = () => {
      tidy(() => void m.call(tgt, mem, { tgtIsCausal: true }).sum().backward());
      m.zeroGrad();
      noGrad(() => tidy(() => void m.call(tgt, mem)));
    };
    step();
    const before = memory().numTensors;
    step();
    step();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects a memory of the wrong width, naming the attention', () => {
    const m = new TransformerDecoderLayer(4, 2, { dimFeedforward: 5, dtype: 'float64' });
    expect(() => m.call(randT([3, 2, 4]), randT([5, 2, 6]))).toThrow(/MultiheadAttention\(4, heads=2\): expected input of shape \[S, N, 4\] but got \[5, 2, 6\]/);
  });
});

describe('TransformerEncoder and TransformerDecoder stacks against PyTorch 1.13', () => {
  for (const dtype of DTYPES) {
    it(`${fx.transformerEncoder.name} (${dtype})`, () => {
      const c = fx.transformerEncoder;
      const enc = new TransformerEncoder(new TransformerEncoderLayer(E, H, { dimFeedforward: 6, batchFirst: true, dtype }), 2, { norm: new LayerNorm(E, { dtype }) });
      enc.loadStateDict(toState(c.state, dtype));
      enc.eval();
      const [src] = inputs(c, ['src'], dtype);
      note(`encoder ${dtype}`, expectForwardAndGrads(c, dtype, () => enc.call(src[1], { srcKeyPaddingMask: mask(c, 'src_key_padding_mask', dtype) }), [src]));
    });
    it(`${fx.transformerDecoder.name} (${dtype})`, () => {
      const c = fx.transformerDecoder;
      const dec = new TransformerDecoder(new TransformerDecoderLayer(E, H, { dimFeedforward: 6, normFirst: true, dtype }), 2);
      dec.loadStateDict(toState(c.state, dtype));
      dec.eval();
      const [tgt, mem] = inputs(c, ['tgt', 'memory'], dtype);
      note(`decoder ${dtype}`, expectForwardAndGrads(c, dtype, () => dec.call(tgt[1], mem[1], decoderMasks(c, dtype)), [tgt, mem]));
    });
  }

  it('copies the layer numLayers times (same starting weights, separate storage), as PyTorch deep-copies it', () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dtype: 'float64' });
    const enc = new TransformerEncoder(layer, 3);
    expect(enc.namedParameters().map(([n]) => n).filter((n) => n.endsWith('linear1.weight'))).toEqual(['layers.0.linear1.weight', 'layers.1.linear1.weight', 'layers.2.linear1.weight']);
    const w = enc.layers.map((l) => Array.from(l.linear1.weight.dataSync()));
    expect(w[1]).toEqual(w[0]);
    expect(w[2]).toEqual(Array.from(layer.linear1.weight.dataSync()));
    noGrad(() => tidy(() => void enc.layers[0].linear1.weight.assign(enc.layers[0].linear1.weight.mul(2))));
    expect(Array.from(enc.layers[1].linear1.weight.dataSync())).toEqual(w[0]);
    expect(() => new TransformerEncoder(layer, 0)).toThrow(/TransformerEncoder: numLayers must be a positive integer/);
  });
});

describe('Transformer against PyTorch 1.13', () => {
  for (const dtype of DTYPES) {
    it(`${fx.transformer.name} (${dtype})`, () => {
      const c = fx.transformer;
      const m = new Transformer({ dModel: E, nhead: H, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 6, batchFirst: true, dtype });
      m.loadStateDict(toState(c.state, dtype));
      m.eval();
      const [src, tgt] = inputs(c, ['src', 'tgt'], dtype);
      const pad = mask(c, 'src_key_padding_mask', dtype);
      const run = () => m.call(src[1], tgt[1], { tgtMask: mask(c, 'tgt_mask', dtype), srcKeyPaddingMask: pad, memoryKeyPaddingMask: pad });
      note(`transformer ${dtype}`, expectForwardAndGrads(c, dtype, run, [src, tgt, ...m.namedParameters()]));
    });
  }

  it('generateSquareSubsequentMask matches PyTorch', () => {
    expectMatches(generateSquareSubsequentMask(3, { dtype: 'float64' }), fx.squareSubsequentMask, 0);
    expectMatches(Transformer.generateSquareSubsequentMask(3), fx.squareSubsequentMask, 0);
    expect(() => generateSquareSubsequentMask(0)).toThrow(ShapeError);
  });

  it("names its parameters like PyTorch's, re-draws matrices xavier-uniform, and checks its inputs", () => {
    const m = new Transformer({ dModel: E, nhead: H, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 6, batchFirst: true });
    expect(m.namedParameters().map(([n]) => n)).toEqual(Object.keys(fx.transformer.state));
    const bound = Math.sqrt(6 / (6 + E)); // linear1.weight [6, 4]
    const w = Array.from(m.encoder.layers[1].linear1.weight.dataSync());
    expect(w.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(w.some((v) => Math.abs(v) > 1 / Math.sqrt(E))).toBe(true); // wider than Linear's own U(±1/√fanIn)
    expect(() => m.call(randT([2, 5, 4]).cast('float32'), randT([3, 4, 4]).cast('float32'))).toThrow(/Transformer\(dModel=4, nhead=2\): src \[2, 5, 4\] and tgt \[3, 4, 4\] must have the same batch size/);
    expect(() => m.call(randT([2, 5, 3]).cast('float32'), randT([2, 4, 3]).cast('float32'))).toThrow(/must be dModel = 4/);
  });

  it('round-trips through saveModel/loadModel, stacks and all', async () => {
    const m = new Transformer({ dModel: E, nhead: H, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 6, dtype: 'float64' }).eval();
    const again = loadModel(await saveModel(m)).eval() as Transformer;
    expect(again).toBeInstanceOf(Transformer);
    const [src, tgt] = [randT([5, 2, E], 31), randT([4, 2, E], 32)];
    expect(Array.from(again.call(src, tgt, { tgtIsCausal: true }).dataSync())).toEqual(Array.from(m.call(src, tgt, { tgtIsCausal: true }).dataSync()));
    const stack = new TransformerDecoder(new TransformerDecoderLayer(E, H, { dimFeedforward: 6, normFirst: true }), 2, { norm: new LayerNorm(E) });
    const stackAgain = loadModel(await saveModel(stack)) as TransformerDecoder;
    expect(stackAgain.getConfig()).toEqual(stack.getConfig());
    expect(Object.keys(stackAgain.stateDict())).toEqual(Object.keys(stack.stateDict()));
  });

  it('MultiheadAttention and TransformerEncoderLayer also round-trip through model files', async () => {
    const mha = new MultiheadAttention(4, 2, { kdim: 3, vdim: 5, bias: false, batchFirst: true });
    const mhaAgain = loadModel(await saveModel(mha)) as MultiheadAttention;
    expect([mhaAgain.kdim, mhaAgain.vdim, mhaAgain.batchFirst, mhaAgain.inProjBias]).toEqual([3, 5, true, null]);
    const enc = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, activation: 'gelu', normFirst: true });
    const encAgain = loadModel(await saveModel(enc)) as TransformerEncoderLayer;
    expect([encAgain.activation, encAgain.normFirst, encAgain.linear1.outFeatures]).toEqual(['gelu', true, 6]);
  });

  it("MultiheadAttention's isCausal equals the causal mask, with and without weights", () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64' });
    const x = randT([5, 2, 4], 33);
    const viaMask = mha.forwardWithWeights(x, x, x, { attnMask: generateSquareSubsequentMask(5, { dtype: 'float64' }) });
    const causal = mha.forwardWithWeights(x, x, x, { isCausal: true });
    expectClose(causal.output.dataSync(), viaMask.output.dataSync(), 1e-14, 0);
    expectClose(causal.weights.dataSync(), viaMask.weights.dataSync(), 1e-14, 0);
    expectClose(mha.call(x, x, x, { isCausal: true }).dataSync(), viaMask.output.dataSync(), 1e-14, 0);
  });

  it('reports the worst relative error against PyTorch', () => {
    console.log(`worst relative error vs PyTorch 1.13 (forward and gradients): ${JSON.stringify(worst)}`);
    expect(Object.keys(worst).length).toBe(8);
  });
});
