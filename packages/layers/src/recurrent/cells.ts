import type { Parameter, Tensor } from '@tessera/core';
import { tidy } from '@tessera/core';
import { expectFloat, expectShape } from '../check.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { checkInt, expectDType } from '../norm/config.js';
import { initialState } from './initial-state.js';
import { type CellKind, lstmKind, gruKind, rnnKind, type RNNNonlinearity } from './kinds.js';
import type { RNNCellOptions, RecurrentCellOptions } from './options.js';
import { type CellParameters, makeCellParameters, namedCellParameters, resetCellParameters } from './weights.js';

/**
 * One step of a recurrent cell type (PyTorch's `RNNCell`, `LSTMCell`, `GRUCell`), shared by
 * the three: input [N, inputSize] or unbatched [inputSize], state [N, H] or [H] (zeros
 * when omitted). Parameters `weight_ih` [gates·H, inputSize], `weight_hh` [gates·H, H],
 * `bias_ih`, `bias_hh` [gates·H], all U(−1/√H, 1/√H).
 */
export abstract class RecurrentCellBase<S> extends Module<[x: Tensor, hx?: S], S> {
  /** The weights (also under PyTorch's names in `namedParameters()`). */
  readonly weights: CellParameters;
  readonly bias: boolean;
  readonly dtype: FloatDType;
  readonly #kind: CellKind<S>;

  protected constructor(
    kind: CellKind<S>,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RecurrentCellOptions,
  ) {
    super();
    this.#kind = kind;
    checkInt(this.typeName, 'inputSize', inputSize);
    checkInt(this.typeName, 'hiddenSize', hiddenSize);
    this.bias = opts.bias ?? true;
    this.dtype = opts.dtype ?? 'float32';
    this.weights = makeCellParameters(kind.gates, inputSize, hiddenSize, this.bias, this.dtype);
  }

  /** [gates·H, inputSize], PyTorch's `weight_ih`. */
  get weightIh(): Parameter {
    return this.weights.weightIh;
  }
  /** [gates·H, H], PyTorch's `weight_hh`. */
  get weightHh(): Parameter {
    return this.weights.weightHh;
  }
  /** [gates·H] or null, PyTorch's `bias_ih`. */
  get biasIh(): Parameter | null {
    return this.weights.biasIh;
  }
  /** [gates·H] or null, PyTorch's `bias_hh`. */
  get biasHh(): Parameter | null {
    return this.weights.biasHh;
  }

  override *ownMembers(): Generator<[string, Parameter]> {
    yield* namedCellParameters(this.weights, '');
  }

  /** Re-draws every weight from U(−1/√H, 1/√H). */
  resetParameters(): void {
    resetCellParameters(this.weights, this.hiddenSize);
  }

  private get label(): string {
    return `${this.typeName}(${this.inputSize}, ${this.hiddenSize})`;
  }

  forward(x: Tensor, hx?: S): S {
    const { label, hiddenSize: hidden } = this;
    expectFloat(label, x);
    expectShape(
      label,
      x,
      [['N', this.inputSize], [this.inputSize]],
      'A cell takes one time step: [batch, inputSize] or an unbatched [inputSize].',
    );
    expectDType(label, x, this.dtype);
    const batched = x.rank === 2;
    const n = batched ? x.shape[0] : 1;
    const layout = batched ? { shape: [n, hidden], names: '[N, hiddenSize]' } : { shape: [hidden], names: '[hiddenSize]' };
    return tidy(() => {
      const state = initialState(this.#kind, label, hx, layout, this.dtype, x).map((t) => t.reshape([n, hidden]));
      let gi = x.reshape([n, this.inputSize]).matmul(this.weights.weightIh, { transposeB: true });
      if (this.weights.biasIh) gi = gi.add(this.weights.biasIh);
      const next = this.#kind.step(gi, state, this.weights);
      return this.#kind.pack(batched ? next : next.map((t) => t.reshape([hidden])));
    });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * An Elman RNN cell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu). PyTorch's `nn.RNNCell`.
 *
 * @example
 * const cell = new RNNCell(10, 20);
 * let h = zeros([3, 20]);
 * for (const xt of split(x, x.shape[0], 0)) h = cell.call(xt.squeeze(0), h); // x: [L, 3, 10]
 */
export class RNNCell extends RecurrentCellBase<Tensor> {
  readonly nonlinearity: RNNNonlinearity;
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super(rnnKind(opts.nonlinearity ?? 'tanh'), inputSize, hiddenSize, opts);
    this.nonlinearity = opts.nonlinearity ?? 'tanh';
  }
  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'tanh' ? '' : `, nonlinearity='${this.nonlinearity}'`}`;
  }
}

/**
 * An LSTM cell (PyTorch's `nn.LSTMCell`, gates i, f, g, o stacked in that order). Takes
 * and returns the pair `[h, c]`.
 *
 * @example
 * const cell = new LSTMCell(10, 20);
 * const [h1, c1] = cell.call(xt);           // xt: [3, 10], state starts at zeros
 * const [h2, c2] = cell.call(xt, [h1, c1]);
 */
export class LSTMCell extends RecurrentCellBase<readonly [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super(lstmKind, inputSize, hiddenSize, opts);
  }
}

/**
 * A GRU cell (PyTorch's `nn.GRUCell`, gates r, z, n stacked in that order,
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))).
 *
 * @example
 * const cell = new GRUCell(10, 20);
 * const h1 = cell.call(xt);      // xt: [3, 10]
 * const h2 = cell.call(xt, h1);
 */
export class GRUCell extends RecurrentCellBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super(gruKind, inputSize, hiddenSize, opts);
  }
}
