import { describeModule } from '../config/record.js';
import type { Tensor } from '@tessera/core';
import { RecurrentBase } from './driver.js';
import { gruKind, lstmKind, rnnKind, type RNNNonlinearity } from './kinds.js';
import type { RNNOptions, RecurrentOptions } from './options.js';

/**
 * Multi-layer Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (or relu);
 * PyTorch's `nn.RNN`. See `RecurrentBase` for layouts, states and parameters.
 *
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [out, hN] = rnn.call(x);      // x: [5, 3, 10] → out [5, 3, 20], hN [2, 3, 20]
 */
export class RNN extends RecurrentBase<Tensor> {
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super(rnnKind(opts.nonlinearity ?? 'tanh'), inputSize, hiddenSize, opts);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
    describeModule(this, 'RNN', [inputSize, hiddenSize, opts], { owner: RNN });
  }
  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'tanh' ? '' : `, nonlinearity='${this.nonlinearity}'`}`;
  }
}

/**
 * Multi-layer LSTM (Hochreiter & Schmidhuber 1997; PyTorch's `nn.LSTM`, gate order i, f,
 * g, o): i, f, o = σ(·), g = tanh(·) of W_i* x + b_i* + W_h* h + b_h*; c' = f ⊙ c + i ⊙ g;
 * h' = o ⊙ tanh(c'). The state is the pair `[h, c]`. See `RecurrentBase`.
 *
 * @example
 * const lstm = new LSTM(10, 20, { numLayers: 2, bidirectional: true, batchFirst: true });
 * const [out, [hN, cN]] = lstm.call(x);   // x: [3, 5, 10] → out [3, 5, 40], hN, cN [4, 3, 20]
 * const [out2] = lstm.call(x, [hN, cN]);  // carry the state on
 */
export class LSTM extends RecurrentBase<readonly [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(lstmKind, inputSize, hiddenSize, opts);
    describeModule(this, 'LSTM', [inputSize, hiddenSize, opts], { owner: LSTM });
  }
}

/**
 * Multi-layer GRU (Cho et al. 2014; PyTorch's `nn.GRU`, gate order r, z, n):
 * r, z = σ(W_i* x + b_i* + W_h* h + b_h*), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 − z) ⊙ n + z ⊙ h. See `RecurrentBase`.
 *
 * @example
 * const gru = new GRU(10, 20);
 * const [out, hN] = gru.call(x);  // x: [5, 3, 10] → out [5, 3, 20], hN [1, 3, 20]
 */
export class GRU extends RecurrentBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(gruKind, inputSize, hiddenSize, opts);
    describeModule(this, 'GRU', [inputSize, hiddenSize, opts], { owner: GRU });
  }
}
