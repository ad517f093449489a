import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';

beforeAll(() => use(cpu()));

const flat = (t: Tensor): number[] => Array.from(t.dataSync());
const sigmoid = (t: Tensor): Tensor => t.neg().exp().add(1).reciprocal();

/** The weights of one gate: rows [gate·H, (gate+1)·H) of PyTorch's stacked matrices. */
interface Gate { wi: Tensor; wh: Tensor; bi: Tensor; bh: Tensor }
function gate(sd: Record<string, Tensor>, suffix: string, index: number, hidden: number): Gate {
  const rows = (t: Tensor): Tensor => t.narrow(0, index * hidden, hidden);
  return { wi: rows(sd[`weight_ih${suffix}`]), wh: rows(sd[`weight_hh${suffix}`]), bi: rows(sd[`bias_ih${suffix}`]), bh: rows(sd[`bias_hh${suffix}`]) };
}
/** W_i x + b_i, and W_h h + b_h, for one gate (x: [N, in], h: [N, H]). */
const inPart = (g: Gate, x: Tensor): Tensor => x.matmul(g.wi.transpose(0, 1)).add(g.bi);
const hPart = (g: Gate, h: Tensor): Tensor => h.matmul(g.wh.transpose(0, 1)).add(g.bh);

/** The LSTM equations, one gate at a time (PyTorch's order i, f, g, o). */
function lstmStep(sd: Record<string, Tensor>, sfx: string, hidden: number, x: Tensor, h: Tensor, c: Tensor): [Tensor, Tensor] {
  const [gi, gf, gg, go] = [0, 1, 2, 3].map((k) => gate(sd, sfx, k, hidden));
  const i = sigmoid(inPart(gi, x).add(hPart(gi, h)));
  const f = sigmoid(inPart(gf, x).add(hPart(gf, h)));
  const g = inPart(gg, x).add(hPart(gg, h)).tanh();
  const o = sigmoid(inPart(go, x).add(hPart(go, h)));
  const c2 = f.mul(c).add(i.mul(g));
  return [o.mul(c2.tanh()), c2];
}

/** The GRU equations (PyTorch's order r, z, n; r gates the hidden part of n including b_hn). */
function gruStep(sd: Record<string, Tensor>, sfx: string, hidden: number, x: Tensor, h: Tensor): Tensor {
  const [gr, gz, gn] = [0, 1, 2].map((k) => gate(sd, sfx, k, hidden));
  const r = sigmoid(inPart(gr, x).add(hPart(gr, h)));
  const z = sigmoid(inPart(gz, x).add(hPart(gz, h)));
  const n = inPart(gn, x).add(r.mul(hPart(gn, h))).tanh();
  return z.neg().add(1).mul(n).add(z.mul(h));
}

/** The Elman RNN equation. */
function rnnStep(sd: Record<string, Tensor>, sfx: string, hidden: number, x: Tensor, h: Tensor, relu = false): Tensor {
  const g = gate(sd, sfx, 0, hidden);
  const pre = inPart(g, x).add(hPart(g, h));
  return relu ? pre.maximum(0) : pre.tanh();
}

const L = 2, N = 2, IN = 3, H = 4;

describe('recurrent layers against the gate equations, step by step', () => {
  it('LSTM: each output step and the final [h, c] equal the equations applied twice', () => {
    manualSeed(1);
    const lstm = new LSTM(IN, H, { dtype: 'float64' });
    const sd = lstm.stateDict();
    const x = randT([L, N, IN], 2);
    const h0 = randT([1, N, H], 3);
    const c0 = randT([1, N, H], 4);
    const [out, [hN, cN]] = lstm.call(x, [h0, c0]);
    let h = h0.reshape([N, H]);
    let c = c0.reshape([N, H]);
    for (let t = 0; t < L; t++) {
      [h, c] = lstmStep(sd, '_l0', H, x.narrow(0, t, 1).reshape([N, IN]), h, c);
      expectClose(flat(out.narrow(0, t, 1)), flat(h), 1e-12);
    }
    expectClose(flat(hN), flat(h), 1e-12);
    expectClose(flat(cN), flat(c), 1e-12);
  });

  it('GRU: each output step and the final h equal the equations applied twice', () => {
    manualSeed(2);
    const gru = new GRU(IN, H, { dtype: 'float64' });
    const sd = gru.stateDict();
    const x = randT([L, N, IN], 5);
    const h0 = randT([1, N, H], 6);
    const [out, hN] = gru.call(x, h0);
    let h = h0.reshape([N, H]);
    for (let t = 0; t < L; t++) {
      h = gruStep(sd, '_l0', H, x.narrow(0, t, 1).reshape([N, IN]), h);
      expectClose(flat(out.narrow(0, t, 1)), flat(h), 1e-12);
    }
    expectClose(flat(hN), flat(h), 1e-12);
  });

  it('RNN (tanh and relu): the equations applied twice', () => {
    for (const nonlinearity of ['tanh', 'relu'] as const) {
      manualSeed(3);
      const rnn = new RNN(IN, H, { nonlinearity, dtype: 'float64' });
      const sd = rnn.stateDict();
      const x = randT([L, N, IN], 7, 2);
      const [out, hN] = rnn.call(x);
      let h = tensor(new Array(N * H).fill(0), { shape: [N, H], dtype: 'float64' });
      for (let t = 0; t < L; t++) {
        h = rnnStep(sd, '_l0', H, x.narrow(0, t, 1).reshape([N, IN]), h, nonlinearity === 'relu');
        expectClose(flat(out.narrow(0, t, 1)), flat(h), 1e-12);
      }
      expectClose(flat(hN), flat(h), 1e-12);
      if (nonlinearity === 'relu') expect(flat(out).some((v) => v === 0)).toBe(true);
    }
  });

  it('a 1-unit LSTM and GRU step with chosen weights, computed with Math by hand (gate order)', () => {
    const sg = (v: number): number => 1 / (1 + Math.exp(-v));
    const lstm = new LSTMCell(1, 1, { dtype: 'float64' });
    // rows: i, f, g, o
    lstm.loadStateDict({
      weight_ih: tensor([[0.1], [0.2], [0.3], [0.4]], { dtype: 'float64' }),
      weight_hh: tensor([[-0.5], [0.6], [-0.7], [0.8]], { dtype: 'float64' }),
      bias_ih: tensor([0.01, 0.02, 0.03, 0.04], { dtype: 'float64' }),
      bias_hh: tensor([0.05, -0.06, 0.07, -0.08], { dtype: 'float64' }),
    });
    const [x, h, c] = [2, 0.5, -1];
    const i = sg(0.1 * x + 0.01 - 0.5 * h + 0.05);
    const f = sg(0.2 * x + 0.02 + 0.6 * h - 0.06);
    const g = Math.tanh(0.3 * x + 0.03 - 0.7 * h + 0.07);
    const o = sg(0.4 * x + 0.04 + 0.8 * h - 0.08);
    const c2 = f * c + i * g;
    const [h2t, c2t] = lstm.call(tensor([[x]], { dtype: 'float64' }), [tensor([[h]], { dtype: 'float64' }), tensor([[c]], { dtype: 'float64' })]);
    expectClose(flat(c2t), [c2], 1e-14);
    expectClose(flat(h2t), [o * Math.tanh(c2)], 1e-14);

    const gru = new GRUCell(1, 1, { dtype: 'float64' });
    // rows: r, z, n
    gru.loadStateDict({
      weight_ih: tensor([[0.3], [-0.2], [0.9]], { dtype: 'float64' }),
      weight_hh: tensor([[0.4], [0.5], [-1.1]], { dtype: 'float64' }),
      bias_ih: tensor([0.1, 0.2, 0.3], { dtype: 'float64' }),
      bias_hh: tensor([-0.1, 0.15, 0.25], { dtype: 'float64' }),
    });
    const r = sg(0.3 * x + 0.1 + 0.4 * h - 0.1);
    const z = sg(-0.2 * x + 0.2 + 0.5 * h + 0.15);
    const n = Math.tanh(0.9 * x + 0.3 + r * (-1.1 * h + 0.25));
    expectClose(flat(gru.call(tensor([[x]], { dtype: 'float64' }), tensor([[h]], { dtype: 'float64' }))), [(1 - z) * n + z * h], 1e-14);
  });
});

describe('cells', () => {
  it('LSTMCell, GRUCell and RNNCell compute one step of the equations; unbatched input works', () => {
    manualSeed(4);
    const x = randT([N, IN], 8);
    const h0 = randT([N, H], 9);
    const c0 = randT([N, H], 10);
    const lc = new LSTMCell(IN, H, { dtype: 'float64' });
    const [h1, c1] = lc.call(x, [h0, c0]);
    const [hr, cr] = lstmStep(lc.stateDict(), '', H, x, h0, c0);
    expectClose(flat(h1), flat(hr), 1e-12);
    expectClose(flat(c1), flat(cr), 1e-12);
    const [hu, cu] = lc.call(x.narrow(0, 1, 1).reshape([IN]), [h0.narrow(0, 1, 1).reshape([H]), c0.narrow(0, 1, 1).reshape([H])]);
    expect(hu.shape).toEqual([H]);
    expectClose(flat(hu), flat(hr.narrow(0, 1, 1)), 1e-12);
    expectClose(flat(cu), flat(cr.narrow(0, 1, 1)), 1e-12);

    const gc = new GRUCell(IN, H, { dtype: 'float64' });
    expectClose(flat(gc.call(x, h0)), flat(gruStep(gc.stateDict(), '', H, x, h0)), 1e-12);
    const rc = new RNNCell(IN, H, { nonlinearity: 'relu', dtype: 'float64' });
    expectClose(flat(rc.call(x, h0)), flat(rnnStep(rc.stateDict(), '', H, x, h0, true)), 1e-12);
    // Omitted state = zeros.
    const zeros = tensor(new Array(N * H).fill(0), { shape: [N, H], dtype: 'float64' });
    expectClose(flat(gc.call(x)), flat(gc.call(x, zeros)), 0);
  });

  it('cells have PyTorch names and shapes [gates·H, in]', () => {
    expect(new LSTMCell(10, 20).namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight_ih', [80, 10]], ['weight_hh', [80, 20]], ['bias_ih', [80]], ['bias_hh', [80]],
    ]);
    expect(new GRUCell(10, 20, { bias: false }).namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight_ih', [60, 10]], ['weight_hh', [60, 20]]]);
    expect(new RNNCell(10, 20).weightHh.shape).toEqual([20, 20]);
    expect(String(new RNNCell(10, 20, { nonlinearity: 'relu' }))).toBe("RNNCell(10, 20, nonlinearity='relu')");
  });

  it('cell gradients pass float64 finite differences (input, state, weights)', () => {
    manualSeed(5);
    const x = randT([2, 2], 11).requiresGrad_();
    const h0 = randT([2, 3], 12).requiresGrad_();
    const c0 = randT([2, 3], 13).requiresGrad_();
    const lc = new LSTMCell(2, 3, { dtype: 'float64' });
    gradCheck(() => tidy(() => {
      const [h, c] = lc.call(x, [h0, c0]);
      return h.add(c.mul(0.5));
    }), [x, h0, c0, ...lc.parameters()]);
    const gc = new GRUCell(2, 3, { dtype: 'float64' });
    gradCheck(() => gc.call(x, h0), [x, h0, ...gc.parameters()]);
  });

  it('bad cell input names the cell, the layout and the shape', () => {
    const lc = new LSTMCell(3, 4);
    expect(() => lc.call(randT([2, 5], 1).cast('float32'))).toThrow(/LSTMCell\(3, 4\): expected input of shape \[N, 3\] or \[3\] but got \[2, 5\]/);
    const h = randT([2, 5], 1).cast('float32');
    expect(() => lc.call(randT([2, 3], 1).cast('float32'), [h, h])).toThrow(/LSTMCell\(3, 4\) initial state h: expected input of shape \[2, 4\] but got \[2, 5\]/);
    noGrad(() => expect(() => new GRUCell(3, 4).call(randT([2, 3], 1))).toThrow(/parameters are float32 but the input is float64/));
  });
});
