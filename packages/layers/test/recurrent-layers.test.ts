import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, concat, manualSeed, memory, noGrad, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { GRU, LSTM, LayerConfigError, RNN, type StateDict } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const flat = (t: Tensor): number[] => Array.from(t.dataSync());
const f64 = { dtype: 'float64' } as const;

/** The entries of `sd` whose key ends in `from`, renamed to end in `to` (moving one layer/direction into another module). */
function pick(sd: StateDict, from: string, to: string): StateDict {
  const out: StateDict = {};
  for (const [k, v] of Object.entries(sd)) if (k.endsWith(from)) out[k.slice(0, -from.length) + to] = v;
  return out;
}

describe('RNN / LSTM / GRU: structure', () => {
  it('parameter names and shapes equal PyTorch\'s (layers, directions, gates)', () => {
    const names = (m: { namedParameters(): [string, Tensor][] }): [string, number[]][] => m.namedParameters().map(([n, p]) => [n, [...p.shape]]);
    const lstm = new LSTM(10, 20, { numLayers: 2, bidirectional: true });
    const layer = (k: number, sfx: string, inSize: number): [string, number[]][] => [
      [`weight_ih_l${k}${sfx}`, [80, inSize]], [`weight_hh_l${k}${sfx}`, [80, 20]], [`bias_ih_l${k}${sfx}`, [80]], [`bias_hh_l${k}${sfx}`, [80]],
    ];
    expect(names(lstm)).toEqual([...layer(0, '', 10), ...layer(0, '_reverse', 10), ...layer(1, '', 40), ...layer(1, '_reverse', 40)]);
    expect(Object.keys(lstm.stateDict())).toHaveLength(16);
    expect(names(new GRU(10, 20))).toEqual([['weight_ih_l0', [60, 10]], ['weight_hh_l0', [60, 20]], ['bias_ih_l0', [60]], ['bias_hh_l0', [60]]]);
    expect(names(new RNN(3, 5, { numLayers: 2, bias: false }))).toEqual([
      ['weight_ih_l0', [5, 3]], ['weight_hh_l0', [5, 5]], ['weight_ih_l1', [5, 5]], ['weight_hh_l1', [5, 5]],
    ]);
    expect(lstm.cell(1, true).weightIh).toBe(lstm.stateDict().weight_ih_l1_reverse);
    expect(String(lstm)).toBe('LSTM(10, 20, numLayers=2, bidirectional=true)');
    expect(String(new RNN(3, 5, { nonlinearity: 'relu', batchFirst: true }))).toBe("RNN(3, 5, batchFirst=true, nonlinearity='relu')");
  });

  it('initialises every weight and bias from U(−1/√H, 1/√H), seeded', () => {
    manualSeed(7);
    const a = new LSTM(10, 20, { numLayers: 2 });
    const bound = 1 / Math.sqrt(20);
    const all = a.parameters().flatMap(flat);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...all)).toBeGreaterThan(0.95 * bound);
    expect(Math.min(...all)).toBeLessThan(-0.95 * bound);
    expect(Math.abs(all.reduce((s, v) => s + v, 0) / all.length)).toBeLessThan(0.1 * bound);
    manualSeed(7);
    expect(flat(new LSTM(10, 20, { numLayers: 2 }).cell(1).weightHh)).toEqual(flat(a.cell(1).weightHh));
  });
});

describe('RNN / LSTM / GRU: composition', () => {
  const L = 3, N = 2, IN = 3, H = 2;

  it('bidirectional output = concat of the forward pass and the reversed pass on the flipped sequence', () => {
    manualSeed(11);
    const bi = new LSTM(IN, H, { bidirectional: true, ...f64 });
    const fwd = new LSTM(IN, H, f64);
    const rev = new LSTM(IN, H, f64);
    fwd.loadStateDict(pick(bi.stateDict(), '_l0', '_l0'));
    rev.loadStateDict(pick(bi.stateDict(), '_l0_reverse', '_l0'));
    const x = randT([L, N, IN], 1);
    const [out, [hN, cN]] = bi.call(x);
    const [oF, [hF, cF]] = fwd.call(x);
    const [oR, [hR, cR]] = rev.call(x.flip(0));
    expect(out.shape).toEqual([L, N, 2 * H]);
    expectClose(flat(out), flat(concat([oF, oR.flip(0)], 2)), 1e-12);
    expectClose(flat(hN), flat(concat([hF, hR], 0)), 1e-12);
    expectClose(flat(cN), flat(concat([cF, cR], 0)), 1e-12);
    // The reverse direction's first output step is its final state.
    expectClose(flat(out.narrow(0, 0, 1).narrow(2, H, H)), flat(hR), 1e-12);
  });

  it('multi-layer stacking: layer k reads layer k−1\'s (bidirectional) output; states are layer-major', () => {
    manualSeed(12);
    const deep = new GRU(IN, H, { numLayers: 2, bidirectional: true, ...f64 });
    const first = new GRU(IN, H, { bidirectional: true, ...f64 });
    const second = new GRU(2 * H, H, { bidirectional: true, ...f64 });
    first.loadStateDict({ ...pick(deep.stateDict(), '_l0', '_l0'), ...pick(deep.stateDict(), '_l0_reverse', '_l0_reverse') });
    second.loadStateDict({ ...pick(deep.stateDict(), '_l1', '_l0'), ...pick(deep.stateDict(), '_l1_reverse', '_l0_reverse') });
    const x = randT([L, N, IN], 2);
    const h0 = randT([4, N, H], 3);
    const [out, hN] = deep.call(x, h0);
    const [o1, h1] = first.call(x, h0.narrow(0, 0, 2));
    const [o2, h2] = second.call(o1, h0.narrow(0, 2, 2));
    expectClose(flat(out), flat(o2), 1e-12);
    expectClose(flat(hN), flat(concat([h1, h2], 0)), 1e-12);
  });

  it('batchFirst takes and returns [N, L, features] with the same values; states stay [layers, N, H]', () => {
    manualSeed(13);
    const tm = new LSTM(IN, H, { numLayers: 2, ...f64 });
    const bf = new LSTM(IN, H, { numLayers: 2, batchFirst: true, ...f64 });
    bf.loadStateDict(tm.stateDict());
    const x = randT([L, N, IN], 4);
    const h0 = randT([2, N, H], 5);
    const c0 = randT([2, N, H], 6);
    const [o1, [h1, c1]] = tm.call(x, [h0, c0]);
    const [o2, [h2, c2]] = bf.call(x.transpose(0, 1), [h0, c0]);
    expect(o2.shape).toEqual([N, L, H]);
    expectClose(flat(o2), flat(o1.transpose(0, 1)), 1e-12);
    expectClose(flat(h2), flat(h1), 1e-12);
    expectClose(flat(c2), flat(c1), 1e-12);
  });

  it('state in/out: two halves with the state carried over equal one pass over the whole sequence', () => {
    manualSeed(14);
    for (const m of [new GRU(IN, H, { numLayers: 2, ...f64 }), new RNN(IN, H, { numLayers: 2, ...f64 })]) {
      const x = randT([4, N, IN], 7);
      const h0 = randT([2, N, H], 8);
      const [whole, hWhole] = m.call(x, h0);
      const [a, hMid] = m.call(x.narrow(0, 0, 2), h0);
      const [b, hEnd] = m.call(x.narrow(0, 2, 2), hMid);
      expectClose(flat(whole), flat(concat([a, b], 0)), 1e-12);
      expectClose(flat(hWhole), flat(hEnd), 1e-12);
    }
    const lstm = new LSTM(IN, H, f64);
    const x = randT([4, N, IN], 9);
    const [whole, [hW, cW]] = lstm.call(x);
    const [, state] = lstm.call(x.narrow(0, 0, 3));
    const [last, [hE, cE]] = lstm.call(x.narrow(0, 3, 1), state);
    expectClose(flat(last), flat(whole.narrow(0, 3, 1)), 1e-12);
    expectClose(flat(hE), flat(hW), 1e-12);
    expectClose(flat(cE), flat(cW), 1e-12);
  });

  it('unbatched [L, features] input equals a batch of one, with states [layers·directions, H]', () => {
    manualSeed(15);
    const m = new LSTM(IN, H, { numLayers: 2, bidirectional: true, ...f64 });
    const x = randT([L, IN], 10);
    const h0 = randT([4, H], 11);
    const c0 = randT([4, H], 12);
    const [o, [h, c]] = m.call(x, [h0, c0]);
    const [ob, [hb, cb]] = m.call(x.reshape([L, 1, IN]), [h0.reshape([4, 1, H]), c0.reshape([4, 1, H])]);
    expect(o.shape).toEqual([L, 2 * H]);
    expect(h.shape).toEqual([4, H]);
    expectClose(flat(o), flat(ob), 1e-12);
    expectClose(flat(h), flat(hb), 1e-12);
    expectClose(flat(c), flat(cb), 1e-12);
  });

  it('dropout acts between layers in training mode only, never after the last layer', () => {
    manualSeed(16);
    const x = randT([L, N, IN], 13);
    const drop = new GRU(IN, H, { numLayers: 2, dropout: 0.5, ...f64 });
    const plain = new GRU(IN, H, { numLayers: 2, ...f64 });
    plain.loadStateDict(drop.stateDict());
    const [ref] = plain.call(x);
    const [train] = drop.call(x);
    expect(Math.max(...flat(train).map((v, i) => Math.abs(v - flat(ref)[i])))).toBeGreaterThan(1e-6);
    expectClose(flat(drop.eval().call(x)[0]), flat(ref), 1e-12);
    const single = new GRU(IN, H, { dropout: 0.5, ...f64 });
    const [s1] = single.call(x);
    expectClose(flat(s1), flat(single.eval().call(x)[0]), 1e-12);
  });
});

describe('RNN / LSTM / GRU: gradients, memory, errors', () => {
  it('gradients pass float64 finite differences w.r.t. input, initial state and every weight', () => {
    manualSeed(21);
    const x = randT([2, 2, 2], 14).requiresGrad_();
    const rnn = new RNN(2, 2, { numLayers: 2, ...f64 });
    const h0 = randT([2, 2, 2], 15).requiresGrad_();
    gradCheck(() => rnn.call(x, h0)[0], [x, h0, ...rnn.parameters()]);

    const lstm = new LSTM(2, 2, { numLayers: 2, bidirectional: true, ...f64 });
    const lh = randT([4, 2, 2], 16).requiresGrad_();
    const lc = randT([4, 2, 2], 17).requiresGrad_();
    // Output, final h and final c all feed the objective.
    gradCheck(() => tidy(() => {
      const [o, [h, c]] = lstm.call(x, [lh, lc]);
      return concat([o.flatten(), h.flatten(), c.flatten()], 0);
    }), [x, lh, lc, ...lstm.parameters()]);

    const gru = new GRU(2, 2, { bidirectional: true, batchFirst: true, ...f64 });
    const gh = randT([2, 2, 2], 18).requiresGrad_();
    gradCheck(() => tidy(() => {
      const [o, h] = gru.call(x, gh);
      return concat([o.flatten(), h.flatten()], 0);
    }), [x, gh, ...gru.parameters()]);
  });

  it('training steps leak no tensors (memory().numTensors stable)', () => {
    manualSeed(22);
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.2 });
    const x = noGrad(() => tidy(() => randT([5, 2, 3], 19).cast('float32')));
    const step = (): void =>
      tidy(() => {
        const [out, [h]] = lstm.call(x);
        out.square().mean().add(h.mean()).backward();
        noGrad(() => {
          for (const p of lstm.parameters()) p.assign(p.sub(p.grad!.mul(0.05)));
        });
        lstm.zeroGrad();
      });
    step();
    const after1 = memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(memory().numTensors).toBe(after1);
    // Inference outside tidy returns exactly the output and the two states.
    const before = memory().numTensors;
    const [o, [h, c]] = noGrad(() => lstm.call(x));
    expect(memory().numTensors).toBe(before + 3);
    [o, h, c, x].forEach((t) => t.dispose());
  });

  it('bad input names the layer, the expected layout with inputSize and the actual shape', () => {
    const lstm = new LSTM(10, 20);
    const f32 = (shape: number[]): Tensor => randT(shape, 1).cast('float32');
    expect(() => lstm.call(f32([5, 3, 7]))).toThrow(ShapeError);
    expect(() => lstm.call(f32([5, 3, 7]))).toThrow(/LSTM\(10, 20\): expected input of shape \[L, N, 10\] or \[L, 10\] but got \[5, 3, 7\].*batchFirst/);
    expect(() => new GRU(4, 2, { batchFirst: true }).call(f32([2, 3, 5, 4]))).toThrow(/GRU\(4, 2\): expected input of shape \[N, L, 4\] or \[L, 4\] but got \[2, 3, 5, 4\]/);
    expect(() => lstm.call(f32([5, 3, 10]), [f32([2, 3, 20]), f32([1, 3, 20])])).toThrow(
      /LSTM\(10, 20\) initial state h: expected input of shape \[1, 3, 20\] but got \[2, 3, 20\]/,
    );
    expect(() => lstm.call(f32([5, 3, 10]), [f32([1, 3, 20]), f32([1, 3, 2])])).toThrow(/initial state c: .*\[1, 3, 20\] but got \[1, 3, 2\]/);
    // A plain tensor where the pair [h, c] belongs (a JavaScript caller's mistake).
    expect(() => lstm.call(f32([5, 3, 10]), f32([1, 3, 20]) as unknown as [Tensor, Tensor])).toThrow(/pair \[h, c\]/);
    expect(() => new RNN(10, 20).call(f32([5, 3, 10]), f32([1, 3, 20]).cast('float64'))).toThrow(DTypeError);
    expect(() => new RNN(10, 20).call(randT([5, 10], 1))).toThrow(/RNN\(10, 20\): the layer's parameters are float32 but the input is float64/);
    expect(() => new LSTM(10, 0)).toThrow(LayerConfigError);
    expect(() => new GRU(10, 20, { dropout: 1.5 })).toThrow(/GRU: dropout must be in \[0, 1\]/);
    expect(() => new RNN(10, 20, { numLayers: 1.5 })).toThrow(/numLayers must be an integer/);
  });
});
