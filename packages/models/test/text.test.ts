import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, memory, tensor, tidy, use, zeros } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropyLoss } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import {
  CharGPT,
  LSTMAttentionSeq2Seq,
  TransformerSeq2Seq,
  beamSearch,
  generateTokens,
  greedyDecode,
  pickToken,
  type Seq2SeqDecoder,
  type Seq2SeqModel,
} from '../src/index.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

const ids = (rows: number[][]): Tensor => tensor(rows, { dtype: 'int32' });
const mask = (rows: boolean[][]): Tensor => tensor(rows, { dtype: 'bool' });

describe('pickToken', () => {
  const logits = [0, Math.log(3), -1];
  it('greedy is argmax (ties to the lower id); topK 1 is argmax too', () => {
    expect(pickToken(logits, { greedy: true }, 0.99)).toBe(1);
    expect(pickToken([2, 2, 1], { greedy: true }, 0)).toBe(0);
    expect(pickToken(logits, { topK: 1 }, 0.99)).toBe(1);
  });
  it('draws by the cumulative softmax over the top k (u picks the bucket)', () => {
    // top 2: p = 1/4 for id 0, 3/4 for id 1 (in descending order: id 1 first).
    expect(pickToken(logits, { topK: 2 }, 0.74)).toBe(1);
    expect(pickToken(logits, { topK: 2 }, 0.76)).toBe(0);
    // temperature 2 over all three: weights 1, √3, e^-0.5
    const w = [1, Math.sqrt(3), Math.exp(-0.5)];
    const total = w[0]! + w[1]! + w[2]!;
    expect(pickToken(logits, { temperature: 2 }, (w[0]! - 1e-6) / total)).toBe(0);
    expect(pickToken(logits, { temperature: 2 }, (w[0]! + w[1]! + 1e-6) / total)).toBe(2);
  });
});

describe('CharGPT', () => {
  it('is causal: a later token changes no earlier logits', async () => {
    const gpt = new CharGPT({ vocabSize: 7, blockSize: 6, dModel: 16, nhead: 2, numLayers: 2, dropout: 0 }).eval();
    const a = gpt.call(ids([[1, 4, 5, 6, 4]]));
    const b = gpt.call(ids([[1, 4, 5, 3, 3]]));
    expect(a.shape).toEqual([1, 5, 7]);
    const [pa, pb] = [(await a.array()) as number[][][], (await b.array()) as number[][][]];
    for (let t = 0; t < 3; t++) for (let v = 0; v < 7; v++) expect(pb[0]![t]![v]).toBeCloseTo(pa[0]![t]![v]!, 5);
    expect(Math.abs(pb[0]![3]![0]! - pa[0]![3]![0]!)).toBeGreaterThan(1e-6);
    expect(() => gpt.call(ids([[1, 1, 1, 1, 1, 1, 1]]))).toThrow(/7 tokens is longer than blockSize 6/);
  });

  it('learns a tiny corpus; greedy generation replays it and sampling is seeded', async () => {
    manualSeed(1);
    // Two words after <bos>: "4 5 6 <eos>" and "5 <eos>" (teacher-forced next tokens; 0 = padding).
    const input = ids([[1, 4, 5, 6], [1, 5, 0, 0]]);
    const target = ids([[4, 5, 6, 2], [5, 2, 0, 0]]);
    const gpt = new CharGPT({ vocabSize: 7, blockSize: 8, dModel: 16, nhead: 2, numLayers: 1, dropout: 0 });
    const opt = new Adam(gpt.parameters(), { lr: 0.02 });
    let loss = Infinity;
    for (let i = 0; i < 150 && loss > 0.02; i++) {
      loss = await tidy(() => {
        const l = crossEntropyLoss(gpt.call(input).reshape([-1, 7]), target.reshape([-1]), { ignoreIndex: 0 });
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      }).item();
    }
    // After <bos> both words are equally likely; after "4" only "5 6" follows, after "5" the end.
    expect(await generateTokens(gpt, [1, 4], { greedy: true })).toEqual([[5, 6]]);
    expect(await generateTokens(gpt, [1, 5], { greedy: true })).toEqual([[]]);
    const before = memory().numTensors;
    manualSeed(7);
    const s1 = await generateTokens(gpt, [1], { numSamples: 20, temperature: 1 });
    manualSeed(7);
    const s2 = await generateTokens(gpt, [1], { numSamples: 20, temperature: 1 });
    expect(s1).toEqual(s2);
    expect(memory().numTensors).toBe(before);
    const seen = new Set(s1.map((s) => s.join(' ')));
    expect([...seen].sort()).toEqual(['4 5 6', '5']); // samples that end two steps apart share a batch
    await expect(generateTokens(gpt, [1], { temperature: 0 })).rejects.toThrow(/temperature must be a positive number/);
  });
});

/** A decoder whose next-token log-probabilities depend only on the prefix length (greedy is not optimal). */
class TableDecoder implements Seq2SeqDecoder<{ readonly t: Tensor }> {
  // step 0: token 3 (p .6) or 4 (p .4); step 1 after 3: eos .3, 5 .35, 6 .35; after 4: eos .9.
  eval(): this {
    return this;
  }
  start(src: Tensor): { t: Tensor } {
    return { t: zeros([src.shape[0]!], { dtype: 'int32' }) };
  }
  step(state: { t: Tensor }, tokens: Tensor): { logits: Tensor; state: { t: Tensor } } {
    const prev = tokens.dataSync();
    const rows = Array.from(prev, (p) => {
      const probs = p === 1 ? [0, 0, 0, 0.6, 0.4, 0, 0] : p === 3 ? [0, 0, 0.3, 0, 0, 0.35, 0.35] : p === 4 ? [0, 0, 0.9, 0, 0, 0.05, 0.05] : [0, 0, 1, 0, 0, 0, 0];
      return probs.map((q) => Math.log(q));
    });
    return { logits: tensor(rows), state: { t: state.t.add(1) } };
  }
  select(state: { t: Tensor }, index: Tensor): { t: Tensor } {
    return { t: state.t.indexSelect(0, index) };
  }
  stateTensors(state: { t: Tensor }): Tensor[] {
    return [state.t];
  }
}

describe('beam search', () => {
  it('finds the most likely sequence where greedy does not, and frees its state', async () => {
    const model = new TableDecoder();
    const src = ids([[5], [5]]);
    const pad = mask([[false], [false]]);
    const before = memory().numTensors;
    expect(await greedyDecode(model, src, pad)).toEqual([[3, 5], [3, 5]]); // .6·.35 = .21
    const hyps = await beamSearch(model, src, pad, { beamSize: 2 });
    expect(hyps[0]![0]!.tokens).toEqual([4]); // .4·.9 = .36
    expect(hyps[0]![0]!.logProb).toBeCloseTo(Math.log(0.36), 5);
    expect(hyps[0]![0]!.finished).toBe(true);
    expect(hyps[1]![0]!.tokens).toEqual([4]);
    expect(hyps[0]).toHaveLength(2);
    expect(memory().numTensors).toBe(before);
  });
});

/** Teacher-forced logits equal step-by-step decoding logits, and padding a source changes nothing. */
async function checkDecodingMatchesForward(model: Seq2SeqModel & { eval(): unknown }): Promise<void> {
  model.eval();
  const src = ids([[4, 5, 6], [5, 4, 0]]);
  const srcPad = mask([[false, false, false], [false, false, true]]);
  const tgtIn = ids([[1, 7, 8], [1, 8, 7]]);
  const full = (await model.call(src, tgtIn, { srcPaddingMask: srcPad }).array()) as number[][][];
  let state = model.start(src, srcPad);
  for (let t = 0; t < 3; t++) {
    const out = model.step(state, tgtIn.narrow(1, t, 1).squeeze(1));
    const step = (await out.logits.array()) as number[][];
    for (let i = 0; i < 2; i++) for (let v = 0; v < 9; v++) expect(step[i]![v]).toBeCloseTo(full[i]![t]![v]!, 4);
    state = out.state;
  }
  // Row 1 alone (no padding) gives the same logits as inside the padded batch.
  const alone = (await model.call(ids([[5, 4]]), ids([[1, 8, 7]]), { srcPaddingMask: mask([[false, false]]) }).array()) as number[][][];
  for (let t = 0; t < 3; t++) for (let v = 0; v < 9; v++) expect(alone[0]![t]![v]).toBeCloseTo(full[1]![t]![v]!, 4);
}

/** Trains a model to transduce 6 toy "words" and checks greedy and beam decoding reproduce them. */
async function checkLearnsToyG2P(model: Seq2SeqModel & { parameters(): Iterable<import('@tessera/core').Parameter>; train(): unknown }, lr: number): Promise<void> {
  const pairs: [number[], number[]][] = [
    [[4, 5], [7]],
    [[5, 4], [8, 7]],
    [[4, 4, 6], [7, 7]],
    [[6], [8]],
    [[6, 5, 4], [8, 8, 7]],
    [[5], [7, 8]],
  ];
  const pad = (rows: number[][]) => rows.map((r) => [...r, ...new Array<number>(4 - r.length).fill(0)]);
  const src = ids(pad(pairs.map((p) => p[0])));
  const srcPad = mask(pad(pairs.map((p) => p[0])).map((r) => r.map((v) => v === 0)));
  const tgtIn = ids(pad(pairs.map((p) => [1, ...p[1]])));
  const tgtOut = ids(pad(pairs.map((p) => [...p[1], 2])));
  const opt = new Adam(model.parameters(), { lr });
  model.train();
  let loss = Infinity;
  for (let i = 0; i < 300 && loss > 0.01; i++) {
    loss = await tidy(() => {
      const l = crossEntropyLoss(model.call(src, tgtIn, { srcPaddingMask: srcPad }).reshape([-1, 9]), tgtOut.reshape([-1]), { ignoreIndex: 0 });
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    }).item();
  }
  expect(loss).toBeLessThan(0.05);
  expect(await greedyDecode(model, src, srcPad, { maxLength: 6 })).toEqual(pairs.map((p) => p[1]));
  const beams = await beamSearch(model, src, srcPad, { beamSize: 3, maxLength: 6 });
  expect(beams.map((h) => h[0]!.tokens)).toEqual(pairs.map((p) => p[1]));
}

describe('TransformerSeq2Seq', () => {
  it('step-wise decoding matches the teacher-forced forward; padding is masked', async () => {
    manualSeed(2);
    await checkDecodingMatchesForward(new TransformerSeq2Seq({ srcVocab: 7, tgtVocab: 9, dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dropout: 0 }));
  });
  it('learns a toy transduction; greedy and beam decode it', async () => {
    manualSeed(3);
    await checkLearnsToyG2P(new TransformerSeq2Seq({ srcVocab: 7, tgtVocab: 9, dModel: 32, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dropout: 0 }), 0.003);
  });
  it('rejects a width the heads do not divide', () => {
    expect(() => new TransformerSeq2Seq({ srcVocab: 7, tgtVocab: 9, dModel: 10, nhead: 4 })).toThrow(/dModel 10 is not divisible by nhead 4/);
  });
  it("takes the feed-forward activation (GELU by default, as model files written before the option hold), learns with ReLU", async () => {
    const acts = (m: TransformerSeq2Seq) => [m.transformer.encoder.layers[0]!.activation, m.transformer.decoder.layers[0]!.activation];
    const small = { srcVocab: 7, tgtVocab: 9, dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dropout: 0 };
    expect(acts(new TransformerSeq2Seq(small))).toEqual(['gelu', 'gelu']);
    expect(acts(new TransformerSeq2Seq({ ...small, activation: 'relu' }))).toEqual(['relu', 'relu']);
    manualSeed(3);
    await checkLearnsToyG2P(new TransformerSeq2Seq({ ...small, dModel: 32, activation: 'relu' }), 0.003);
  });
});

describe('LSTMAttentionSeq2Seq', () => {
  it('step-wise decoding matches the teacher-forced forward; padding is masked', async () => {
    manualSeed(4);
    await checkDecodingMatchesForward(new LSTMAttentionSeq2Seq({ srcVocab: 7, tgtVocab: 9, embeddingDim: 8, hiddenSize: 16, encoderLayers: 2, dropout: 0 }));
  });
  it('learns a toy transduction; greedy and beam decode it', async () => {
    manualSeed(5);
    await checkLearnsToyG2P(new LSTMAttentionSeq2Seq({ srcVocab: 7, tgtVocab: 9, embeddingDim: 16, hiddenSize: 32, encoderLayers: 1, dropout: 0 }), 0.02);
  });
  it('rejects an odd hidden size', () => {
    expect(() => new LSTMAttentionSeq2Seq({ srcVocab: 7, tgtVocab: 9, hiddenSize: 15 })).toThrow(/hiddenSize 15 is odd/);
  });
});
