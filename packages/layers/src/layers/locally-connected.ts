import { type Parameter, type Tensor, conv2d, eye, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { type LayerOptions, type SizeArg, checkInput, defaultWeightAndBias, fmtTuple, positive, tuple } from './common.js';

/** Options of the locally connected layers. */
export interface LocallyConnectedOptions<R extends 1 | 2> extends LayerOptions {
  /** Default 1. Padding is always 'valid' (as in Keras). */
  readonly stride?: SizeArg<R>;
  /** Learn a bias per output channel and position (default true). */
  readonly bias?: boolean;
}

const SPEC = {
  1: { axes: ['L'], name: 'LocallyConnected1d' },
  2: { axes: ['H', 'W'], name: 'LocallyConnected2d' },
} as const;

/**
 * Patches of x [N, C, H, W] under a kH×kW window: [N, C·kH·kW, oH, oW], taps ordered
 * (c, ki, kj). Computed as a grouped conv with one-hot filters, so gradients come free.
 */
function unfold(x: Tensor, kernel: readonly number[], stride: readonly number[]): Tensor {
  const [kH, kW] = kernel;
  const C = x.shape[1];
  return tidy(() => {
    const taps = eye(kH * kW, kH * kW, { dtype: x.dtype, backend: x.backend }).reshape([kH * kW, 1, kH, kW]);
    const filters = C === 1 ? taps : taps.tile([C, 1, 1, 1]);
    return conv2d(x, filters, { stride: [stride[0], stride[1]], groups: C });
  });
}

/**
 * Locally connected layers (Keras' LocallyConnected1D/2D, "unshared convolution"): like a
 * convolution with 'valid' padding, but every output position has its own filter.
 * Layout (channels first, like Conv): `weight` [...outSize, out, in, ...kernel] — one
 * Conv weight [out, in, ...kernel] per output position — and `bias` [out, ...outSize].
 * Default init: each position's filter and bias like a Conv's, U(±1/√(in·∏kernel)).
 */
abstract class LocallyConnectedNd<R extends 1 | 2> extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly dtype: FloatDType;
  readonly inputSize: number[];
  readonly kernelSize: number[];
  readonly stride: number[];
  /** Output positions per spatial axis. */
  readonly outputSize: number[];

  protected constructor(
    private readonly rank: R,
    readonly inChannels: number,
    readonly outChannels: number,
    inputSize: SizeArg<R>,
    kernelSize: SizeArg<R>,
    opts: LocallyConnectedOptions<R>,
  ) {
    super();
    const name = SPEC[rank].name;
    positive(name, 'inChannels', inChannels);
    positive(name, 'outChannels', outChannels);
    this.inputSize = tuple(name, 'inputSize', inputSize, rank, 1);
    this.kernelSize = tuple(name, 'kernelSize', kernelSize, rank, 1);
    this.stride = tuple(name, 'stride', opts.stride, rank, 1);
    this.outputSize = this.inputSize.map((n, i) => Math.floor((n - this.kernelSize[i]) / this.stride[i]) + 1);
    if (this.outputSize.some((o) => o < 1)) {
      throw new LayerConfigError(`${name}: kernel ${fmtTuple(this.kernelSize)} is larger than the input ${fmtTuple(this.inputSize)}.`);
    }
    this.dtype = opts.dtype ?? 'float32';
    const fanIn = inChannels * this.kernelSize.reduce((a, b) => a * b, 1);
    const params = defaultWeightAndBias(
      [...this.outputSize, outChannels, inChannels, ...this.kernelSize],
      opts.bias === false ? null : [outChannels, ...this.outputSize],
      fanIn,
      this.dtype,
    );
    this.weight = params.weight;
    this.bias = params.bias;
  }

  forward(x: Tensor): Tensor {
    const { name, axes } = SPEC[this.rank];
    checkInput(
      `${name}(${this.inChannels}→${this.outChannels})`,
      x,
      this.dtype,
      [['N', this.inChannels, ...this.inputSize]],
      `Expected spatial axes [${axes.join(', ')}] = ${fmtTuple(this.inputSize)} as built.`,
    );
    const N = x.shape[0];
    const P = this.outputSize.reduce((a, b) => a * b, 1);
    const R = this.inChannels * this.kernelSize.reduce((a, b) => a * b, 1);
    // Work in 2-d: a 1-d input is an image of height 1.
    const as2d = (v: number[], one: number) => (this.rank === 1 ? [one, v[0]] : v);
    const bias = this.bias;
    return tidy(() => {
      const x4 = this.rank === 1 ? x.unsqueeze(2) : x;
      const patches = unfold(x4, as2d(this.kernelSize, 1), as2d(this.stride, 1)); // [N, R, ...out]
      const cols = patches.reshape([N, R, P]).permute([2, 0, 1]); // [P, N, R]
      const w = this.weight.reshape([P, this.outChannels, R]);
      const y = cols.matmul(w, { transposeB: true }).permute([1, 2, 0]).reshape([N, this.outChannels, ...this.outputSize]);
      return bias ? y.add(bias) : y;
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, inputSize=${fmtTuple(this.inputSize)}, kernelSize=${fmtTuple(this.kernelSize)}, ` +
      `stride=${fmtTuple(this.stride)}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * 1-d locally connected layer: x [N, in, L] → [N, out, Lout], Lout = ⌊(L − k)/stride⌋ + 1,
 * y[n, o, p] = bias[o, p] + Σ_{c, t} weight[p, o, c, t]·x[n, c, p·stride + t].
 * Parameters: `weight` [Lout, out, in, k], `bias` [out, Lout].
 *
 * @example
 * const lc = new LocallyConnected1d(4, 8, 20, 3); // in, out, input length, kernel
 * lc.call(x); // [N, 4, 20] → [N, 8, 18]
 */
export class LocallyConnected1d extends LocallyConnectedNd<1> {
  constructor(
    inChannels: number,
    outChannels: number,
    inputLength: SizeArg<1>,
    kernelSize: SizeArg<1>,
    opts: LocallyConnectedOptions<1> = {},
  ) {
    super(1, inChannels, outChannels, inputLength, kernelSize, opts);
  }
}

/**
 * 2-d locally connected layer: x [N, in, H, W] → [N, out, oH, oW],
 * y[n, o, i, j] = bias[o, i, j] + Σ_{c, a, b} weight[i, j, o, c, a, b]·x[n, c, i·sH + a, j·sW + b].
 * Parameters: `weight` [oH, oW, out, in, kH, kW], `bias` [out, oH, oW].
 *
 * @example
 * const lc = new LocallyConnected2d(1, 4, [28, 28], 5, { stride: 2 });
 * lc.call(x); // [N, 1, 28, 28] → [N, 4, 12, 12]
 */
export class LocallyConnected2d extends LocallyConnectedNd<2> {
  constructor(
    inChannels: number,
    outChannels: number,
    inputSize: SizeArg<2>,
    kernelSize: SizeArg<2>,
    opts: LocallyConnectedOptions<2> = {},
  ) {
    super(2, inChannels, outChannels, inputSize, kernelSize, opts);
  }
}
