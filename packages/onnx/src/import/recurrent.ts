import { type Tensor, add, concat, matmul, mul, narrow, relu, sigmoid, sub, tanh, tensor } from '@tessera/core';
import type { ImportOp, OpContext } from './ops.js';
import { StaticInts } from './values.js';

/** One ONNX recurrent operator: its gate count and one time step. */
interface Kind {
  readonly op: 'LSTM' | 'GRU' | 'RNN';
  /** Gate blocks in W, R and each half of B. */
  readonly gates: number;
  /** Has a cell state (initial_c input 6, output Y_c). */
  readonly cell: boolean;
  /**
   * One step: `xw` = x·Wᵀ + Wb for this step, `r` and `rb` this direction's recurrence
   * weight and bias, `act` the direction's activation (RNN), `h` and `c` the state.
   */
  step(s: {
    xw: Tensor;
    r: Tensor;
    rb: Tensor | null;
    h: Tensor;
    c: Tensor;
    H: number;
    act: (x: Tensor) => Tensor;
    linearBeforeReset: boolean;
  }): [Tensor, Tensor];
}

const block = (t: Tensor, k: number, H: number) => narrow(t, 1, k * H, H);
const withBias = (t: Tensor, b: Tensor | null) => (b ? add(t, b) : t);

/** ONNX gate order i, o, f, c. */
const LSTM: Kind = {
  op: 'LSTM', gates: 4, cell: true,
  step: ({ xw, r, rb, h, c, H }) => {
    const g = add(xw, withBias(matmul(h, r, { transposeB: true }), rb));
    const cNext = add(mul(sigmoid(block(g, 2, H)), c), mul(sigmoid(block(g, 0, H)), tanh(block(g, 3, H))));
    return [mul(sigmoid(block(g, 1, H)), tanh(cNext)), cNext];
  },
};

/** ONNX gate order z, r, h; `linear_before_reset` (PyTorch's form) applies r after R_h·h + Rb_h. */
const GRU: Kind = {
  op: 'GRU', gates: 3, cell: false,
  step: ({ xw, r, rb, h, c, H, linearBeforeReset }) => {
    const rz = narrow(r, 0, 0, 2 * H);
    const rh = narrow(r, 0, 2 * H, H);
    const hrz = withBias(matmul(h, rz, { transposeB: true }), rb && narrow(rb, 0, 0, 2 * H));
    const z = sigmoid(add(block(xw, 0, H), block(hrz, 0, H)));
    const reset = sigmoid(add(block(xw, 1, H), block(hrz, 1, H)));
    const rbh = rb && narrow(rb, 0, 2 * H, H);
    const recur = linearBeforeReset
      ? mul(reset, withBias(matmul(h, rh, { transposeB: true }), rbh))
      : withBias(matmul(mul(reset, h), rh, { transposeB: true }), rbh);
    const n = tanh(add(block(xw, 2, H), recur));
    return [add(mul(sub(1, z), n), mul(z, h)), c];
  },
};

/** Elman RNN: h' = act(x·Wᵀ + Wb + h·Rᵀ + Rb). */
const RNN: Kind = {
  op: 'RNN', gates: 1, cell: false,
  step: ({ xw, r, rb, h, c, act }) => [act(add(xw, withBias(matmul(h, r, { transposeB: true }), rb))), c],
};

const ACTIVATIONS: Readonly<Record<string, (x: Tensor) => Tensor>> = { Tanh: tanh, Relu: relu, Sigmoid: sigmoid };

/** Input `i` as a float tensor, or undefined when absent. */
function optional(ctx: OpContext, i: number): Tensor | undefined {
  const v = ctx.inputs[i];
  if (v === undefined) return undefined;
  if (v instanceof StaticInts) return ctx.fail(`input ${i} must be a float tensor`);
  return v;
}

/**
 * An ONNX LSTM, GRU or RNN node (layout 0: X [L, N, I]): forward, reverse or
 * bidirectional, with initial states, biases, PyTorch's `linear_before_reset` GRU, and
 * RNN activations Tanh/Relu/Sigmoid. Outputs Y [L, D, N, H], Y_h [D, N, H] (and Y_c).
 */
function recurrent(kind: Kind): ImportOp {
  return (ctx) => {
    const a = ctx.attrs;
    const direction = a.string('direction', 'forward');
    if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') ctx.fail(`unknown direction '${direction}'`);
    const D = direction === 'bidirectional' ? 2 : 1;
    if (a.int('layout', 0) !== 0) ctx.fail('layout 1 (batch first) is not supported; PyTorch exports layout 0');
    if (a.has('clip') || a.int('input_forget', 0) !== 0) ctx.fail('clip and input_forget are not supported');
    if (ctx.inputs[4] !== undefined) ctx.fail('sequence_lens is not supported');
    if (kind.op === 'LSTM' && ctx.inputs[7] !== undefined) ctx.fail('peepholes are not supported');
    const names = a.has('activations') ? a.strings('activations') : [];
    if (kind.op !== 'RNN' && names.length > 0) ctx.fail(`custom activations (${names.join(', ')}) are not supported; the defaults are`);
    const acts = Array.from({ length: D }, (_, d) => {
      const name = names[d] ?? 'Tanh';
      const f = ACTIVATIONS[name];
      return f ?? ctx.fail(`activation '${name}' is not supported (Tanh, Relu, Sigmoid are)`);
    });
    const x = optional(ctx, 0) ?? ctx.fail('input X is missing');
    const w = optional(ctx, 1) ?? ctx.fail('input W is missing');
    const r = optional(ctx, 2) ?? ctx.fail('input R is missing');
    const b = optional(ctx, 3);
    const [L, N, I] = x.shape as [number, number, number];
    const H = a.int('hidden_size', r.shape[2]!);
    const G = kind.gates * H;
    const h0 = optional(ctx, 5);
    const c0 = optional(ctx, 6);
    const zeros = () => tensor(0).broadcastTo([N, H]);
    const ys: Tensor[] = [];
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const reverse = direction === 'reverse' || d === 1;
      const pick = (t: Tensor) => narrow(t, 0, d, 1).squeeze(0);
      const bd = b ? pick(b) : null;
      // The input projection of every step at once: [L·N, I]·Wᵀ.
      const xw = withBias(matmul(x.reshape([L * N, I]), pick(w), { transposeB: true }), bd && narrow(bd, 0, 0, G)).reshape([L, N, G]);
      const rd = pick(r);
      const rb = bd && narrow(bd, 0, G, G);
      let h = h0 ? pick(h0) : zeros();
      let c = c0 ? pick(c0) : zeros();
      const out: Tensor[] = new Array<Tensor>(L);
      for (let k = 0; k < L; k++) {
        const step = reverse ? L - 1 - k : k;
        [h, c] = kind.step({
          xw: narrow(xw, 0, step, 1).squeeze(0),
          r: rd,
          rb,
          h,
          c,
          H,
          act: acts[d]!,
          linearBeforeReset: a.int('linear_before_reset', 0) !== 0,
        });
        out[step] = h.unsqueeze(0);
      }
      ys.push(concat(out, 0).unsqueeze(1));
      hs.push(h.unsqueeze(0));
      cs.push(c.unsqueeze(0));
    }
    const y = D === 1 ? ys[0]! : concat(ys, 1);
    const yh = D === 1 ? hs[0]! : concat(hs, 0);
    return kind.cell ? [y, yh, D === 1 ? cs[0]! : concat(cs, 0)] : [y, yh];
  };
}

/** The recurrent operators the importer reads. */
export const RECURRENT_OPS: Readonly<Record<string, ImportOp>> = { LSTM: recurrent(LSTM), GRU: recurrent(GRU), RNN: recurrent(RNN) };
