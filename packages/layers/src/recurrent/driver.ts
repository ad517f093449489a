import {
  DTypeError,
  type Parameter,
  ShapeError,
  type Tensor,
  arange,
  concat,
  dropout,
  fmtShape,
  isTensor,
  split,
  stack,
  tensor,
  tidy,
  where,
} from '@tessera/core';
import { expectFloat, expectShape } from '../check.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { checkInt, checkRange, expectDType } from '../norm/config.js';
import { initialState } from './initial-state.js';
import type { CellKind } from './kinds.js';
import type { RecurrentOptions, SequenceOptions } from './options.js';
import { type CellParameters, makeCellParameters, namedCellParameters, resetCellParameters } from './weights.js';

/**
 * The multi-layer, optionally bidirectional recurrence shared by `RNN`, `LSTM` and `GRU`
 * (PyTorch's `nn.RNNBase`); the cell kind supplies the step.
 *
 * Input [L, N, inputSize] ([N, L, inputSize] with `batchFirst`) or unbatched [L, inputSize];
 * `forward(x, hx?)` returns `[output, hN]`: output [L, N, D·H] (D = 2 when bidirectional)
 * with each direction's hidden state at every step, and the final state with shape
 * [numLayers·D, N, H] (layer-major, forward before reverse), `[hN, cN]` for LSTM. States
 * default to zeros. Parameters `weight_ih_l{k}` [gates·H, in_k], `weight_hh_l{k}`
 * [gates·H, H], `bias_ih_l{k}`, `bias_hh_l{k}` [gates·H], with suffix `_reverse` for the
 * backward direction; in_0 = inputSize, in_k = D·H; all U(−1/√H, 1/√H) as in PyTorch.
 *
 * Speed: each direction projects the whole input sequence with one matmul, then each time
 * step costs one matmul over the stacked gates (h·W_hhᵀ) plus elementwise ops.
 */
export abstract class RecurrentBase<S> extends Module<[x: Tensor, hx?: S, opts?: SequenceOptions], [Tensor, S]> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly dtype: FloatDType;
  /** Each layer's and direction's weights, index k·D + d (d = 1: reverse). */
  readonly cells: readonly CellParameters[];
  readonly #kind: CellKind<S>;

  protected constructor(
    kind: CellKind<S>,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RecurrentOptions,
  ) {
    super();
    this.#kind = kind;
    const name = this.typeName;
    checkInt(name, 'inputSize', inputSize);
    checkInt(name, 'hiddenSize', hiddenSize);
    this.numLayers = checkInt(name, 'numLayers', opts.numLayers ?? 1);
    this.dropout = checkRange(name, 'dropout', opts.dropout ?? 0, 0, 1);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.bidirectional = opts.bidirectional ?? false;
    this.dtype = opts.dtype ?? 'float32';
    const cells: CellParameters[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const layerInput = k === 0 ? inputSize : this.directions * hiddenSize;
      for (let d = 0; d < this.directions; d++) cells.push(makeCellParameters(kind.gates, layerInput, hiddenSize, this.bias, this.dtype));
    }
    this.cells = cells;
  }

  /** 2 when bidirectional, else 1. */
  get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /** The weights of layer `layer`, forward or reverse direction. */
  cell(layer: number, reverse = false): CellParameters {
    const c = this.cells[layer * this.directions + (reverse ? 1 : 0)];
    if (!c || (reverse && !this.bidirectional))
      throw new RangeError(`${this.label}: no layer ${layer}${reverse ? ' reverse direction' : ''}.`);
    return c;
  }

  override *ownMembers(): Generator<[string, Parameter]> {
    for (let i = 0; i < this.cells.length; i++) {
      const layer = Math.floor(i / this.directions);
      yield* namedCellParameters(this.cells[i], `_l${layer}${i % this.directions === 1 ? '_reverse' : ''}`);
    }
  }

  /** Re-draws every weight from U(−1/√H, 1/√H). */
  resetParameters(): void {
    for (const c of this.cells) resetCellParameters(c, this.hiddenSize);
  }

  private get label(): string {
    return `${this.typeName}(${this.inputSize}, ${this.hiddenSize})`;
  }

  /** See the class; `opts.lengths` runs a padded batch as PyTorch runs a packed one. */
  forward(x: Tensor, hx?: S, opts: SequenceOptions = {}): [Tensor, S] {
    const { label, inputSize, hiddenSize: hidden } = this;
    expectFloat(label, x);
    const batchedLayout = this.batchFirst ? ['N', 'L', inputSize] : ['L', 'N', inputSize];
    expectShape(label, x, [batchedLayout, ['L', inputSize]],
      `Sequences are [${this.batchFirst ? 'batch, length' : 'length, batch'}, ` +
        `features]${this.batchFirst ? '' : ' (pass { batchFirst: true } for [batch, length, features])'}, or unbatched [length, ` +
          `features].`);
    expectDType(label, x, this.dtype);
    const batched = x.rank === 3;
    const states = this.numLayers * this.directions;
    const n = batched ? x.shape[this.batchFirst ? 0 : 1] : 1;
    const layout = batched
      ? { shape: [states, n, hidden], names: '[numLayers·directions, N, hiddenSize]' }
      : { shape: [states, hidden], names: '[numLayers·directions, hiddenSize]' };
    return tidy(() => {
      // Time-major [L, N, features] inside.
      let seq = !batched ? x.unsqueeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
      const start = initialState(this.#kind, label, hx, layout, this.dtype, x).map((t) =>
        split(t.reshape([states, n, hidden]), states, 0).map((s) => s.reshape([n, hidden])),
      );
      const valid = opts.lengths === undefined ? null : this.validSteps(opts.lengths, seq.shape[0], n);
      const finals: Tensor[][] = this.#kind.stateNames.map(() => []);
      for (let k = 0; k < this.numLayers; k++) {
        const outs: Tensor[] = [];
        for (let d = 0; d < this.directions; d++) {
          const i = k * this.directions + d;
          const { out, last } = this.runDirection(seq, this.cells[i], start.map((s) => s[i]), d === 1, valid);
          outs.push(out);
          last.forEach((t, j) => (finals[j][i] = t));
        }
        seq = outs.length === 1 ? outs[0] : concat(outs, 2);
        if (this.training && this.dropout > 0 && k < this.numLayers - 1) seq = dropout(seq, this.dropout);
      }
      const output = !batched ? seq.squeeze(1) : this.batchFirst ? seq.transpose(0, 1) : seq;
      const hN = finals.map((list) => stack(list, 0).reshape(layout.shape));
      return [output, this.#kind.pack(hN)];
    });
  }

  /**
   * Bool [L, N, 1]: step t is inside sequence j (t < lengths[j]). Computed on the device
   * from a lengths tensor (no readback); numbers are checked here.
   */
  private validSteps(lengths: readonly number[] | Tensor, l: number, n: number): Tensor[] {
    const what = `${this.label}: lengths`;
    if (isTensor(lengths)) {
      if (lengths.dtype !== 'int32') throw new DTypeError(`${what} must be int32 but is ${lengths.dtype}; cast it with .cast('int32').`);
      if (lengths.rank !== 1 || lengths.shape[0] !== n)
        throw new ShapeError(`${what} must be [N] = [${n}] but is ${fmtShape(lengths.shape)}.`);
    } else if (lengths.length !== n || lengths.some((v) => !Number.isInteger(v) || v < 1 || v > l)) {
      throw new ShapeError(
        `${what} must be ${n} integers in [1, ${l}] (one per sequence, at most the padded length) but got [${lengths.join(', ')}].`,
      );
    }
    const lens = isTensor(lengths) ? lengths : tensor([...lengths], { dtype: 'int32' });
    const steps = arange(l, undefined, 1, { dtype: 'int32' }).reshape([l, 1]).less(lens.reshape([1, n]));
    return split(steps.reshape([l, n, 1]), l, 0).map((t) => t.reshape([n, 1]));
  }

  /**
   * One layer in one direction over the whole sequence [L, N, in] → outputs [L, N, H] and
   * the last state. With `valid` (padded batches), a sequence's state is kept and its
   * output is 0 at steps past its end.
   */
  private runDirection(
    seq: Tensor,
    w: CellParameters,
    state0: Tensor[],
    reverse: boolean,
    valid: Tensor[] | null,
  ): { out: Tensor; last: Tensor[] } {
    const [length, n, features] = seq.shape;
    // The input half of every gate for every time step: one matmul.
    let gi = seq.reshape([length * n, features]).matmul(w.weightIh, { transposeB: true });
    if (w.biasIh) gi = gi.add(w.biasIh);
    const steps = split(gi, length, 0);
    const outs = new Array<Tensor>(length);
    let state = state0;
    for (let s = 0; s < length; s++) {
      const t = reverse ? length - 1 - s : s;
      const next = this.#kind.step(steps[t], state, w);
      const keep = valid?.[t];
      state = keep ? next.map((h, j) => where(keep, h, state[j])) : next;
      outs[t] = keep ? where(keep, next[0], 0) : next[0];
    }
    return { out: stack(outs, 0), last: state };
  }

  override extraRepr(): string {
    const extra: string[] = [];
    if (this.numLayers !== 1) extra.push(`numLayers=${this.numLayers}`);
    if (!this.bias) extra.push('bias=false');
    if (this.batchFirst) extra.push('batchFirst=true');
    if (this.dropout) extra.push(`dropout=${this.dropout}`);
    if (this.bidirectional) extra.push('bidirectional=true');
    return [`${this.inputSize}`, `${this.hiddenSize}`, ...extra].join(', ');
  }
}
