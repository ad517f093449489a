import { describeZoo } from './zoo-config.js';
import type { Tensor } from '@tessera/core';
import { GRU, LSTM, Linear, Module } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Options of {@link SequenceClassifier}. */
export interface SequenceModelOptions {
  /** Features per time step. */
  readonly inputSize: number;
  /** Hidden units per layer. */
  readonly hiddenSize: number;
  /** Outputs: classes for a classifier, targets for a regressor. */
  readonly outFeatures: number;
  /** 'lstm' (default) or 'gru'. */
  readonly cell?: 'lstm' | 'gru';
  /** Stacked recurrent layers (default 1). */
  readonly numLayers?: number;
  /** Dropout between stacked layers (default 0). */
  readonly dropout?: number;
}

/**
 * A recurrent network read out at its last time step: input [N, L, inputSize] (batch first)
 * → LSTM/GRU → Linear on the last output → [N, outFeatures]. Used as a classifier (logits,
 * cross-entropy) or as a sequence-to-one regressor (MSE). Names: `rnn.weight_ih_l0`, …, `fc.weight`.
 *
 * @example
 * const net = new SequenceClassifier({ inputSize: 1, hiddenSize: 16, outFeatures: 2 });
 */
export class SequenceClassifier extends Module {
  readonly rnn: LSTM | GRU;
  readonly fc: Linear;

  constructor(opts: SequenceModelOptions) {
    super();
    const { inputSize, hiddenSize, outFeatures, cell = 'lstm', numLayers = 1, dropout = 0 } = opts;
    for (const [k, v] of Object.entries({ inputSize, hiddenSize, outFeatures, numLayers })) positiveInt('SequenceClassifier', k, v);
    if (cell !== 'lstm' && cell !== 'gru')
      throw new ModelConfigError('SequenceClassifier', `unknown cell '${String(cell)}'`, "Use 'lstm' or 'gru'.");
    const rnnOpts = { numLayers, dropout, batchFirst: true };
    this.rnn = cell === 'lstm' ? new LSTM(inputSize, hiddenSize, rnnOpts) : new GRU(inputSize, hiddenSize, rnnOpts);
    this.fc = new Linear(hiddenSize, outFeatures);
    describeZoo(this, 'SequenceClassifier', [opts], SequenceClassifier);
  }

  /** The head applied at every time step: [N, L, inputSize] → [N, L, outFeatures] (per-step targets). */
  forwardSteps(x: Tensor): Tensor {
    const [out] = this.rnn.call(x);
    return this.fc.call(out);
  }

  forward(x: Tensor): Tensor {
    const [out] = this.rnn.call(x);
    const last = out.narrow(1, out.shape[1]! - 1, 1).squeeze(1);
    return this.fc.call(last);
  }
}

/**
 * An LSTM sequence-to-one regressor: {@link SequenceClassifier} with `outFeatures` targets
 * (train with MSE).
 */
export function lstmRegressor(opts: Omit<SequenceModelOptions, 'cell'>): SequenceClassifier {
  return new SequenceClassifier({ ...opts, cell: 'lstm' });
}

/**
 * All 2^bits bit sequences and their parity: `x` [2^bits, bits, 1] with values ±1, `y` the
 * parity labels, and `steps` [2^bits, bits] the running parity after each bit (per-step
 * targets for {@link SequenceClassifier.forwardSteps}, which make parity easy to learn).
 */
export function parityDataset(bits: number): { x: number[][][]; y: number[]; steps: number[][] } {
  positiveInt('parityDataset', 'bits', bits);
  const x: number[][][] = [];
  const y: number[] = [];
  const steps: number[][] = [];
  for (let n = 0; n < 2 ** bits; n++) {
    const seq = Array.from({ length: bits }, (_, i) => (n >> i) & 1);
    x.push(seq.map((b) => [2 * b - 1]));
    let p = 0;
    steps.push(seq.map((b) => (p ^= b)));
    y.push(p);
  }
  return { x, y, steps };
}
