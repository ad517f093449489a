import { describeModule } from '../config/record.js';
import { type FusedActivation, type Parameter, type Tensor, conv1d, conv2d, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import {
  foldAffine,
  type ActivationOption,
  type LayerOptions,
  type SizeArg,
  activationOption,
  biasThenActivate,
  checkInput,
  convRepr,
  defaultWeightAndBias,
  positive,
  tuple,
} from './common.js';
import type { WeightedLayer } from './linear.js';

/** Options of `Conv1d` (R = 1) and `Conv2d` (R = 2); per-axis values may be one number. */
export interface ConvOptions<R extends 1 | 2> extends LayerOptions, ActivationOption {
  /** Default 1. */
  readonly stride?: SizeArg<R>;
  /**
   * Zero padding: 'valid' (none, the default), 'same' (output = ⌈input/stride⌉, extra on
   * the bottom/right when odd; PyTorch allows it only for stride 1, where both agree),
   * or a number of zeros per side (one value, or one per axis).
   */
  readonly padding?: 'valid' | 'same' | SizeArg<R>;
  /** Spacing between kernel taps (atrous convolution). Default 1. */
  readonly dilation?: SizeArg<R>;
  /** Split channels into groups convolved separately; in and out channels must divide by it. Default 1. */
  readonly groups?: number;
  /** Learn a per-channel bias (default true). */
  readonly bias?: boolean;
}

/** What differs between Conv1d and Conv2d: the spatial axis names and the core op. */
const SPEC = {
  1: { axes: ['L'], name: 'Conv1d' },
  2: { axes: ['H', 'W'], name: 'Conv2d' },
} as const;

/**
 * The convolution family (PyTorch's `_ConvNd`): weight [out, in/groups, ...kernel],
 * bias [out], default init U(±1/√fanIn) for both (PyTorch's kaiming_uniform(a=√5)) with
 * fanIn = in/groups·∏kernel.
 */
abstract class ConvNd<R extends 1 | 2> extends Module implements WeightedLayer {
  readonly weight: Parameter;
  /** The bias, or null; `foldAffine` may add one. */
  bias: Parameter | null;
  readonly dtype: FloatDType;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: 'valid' | 'same' | number[];
  readonly dilation: number[];
  readonly groups: number;
  /** The activation after the bias ('linear': none). */
  readonly activation: FusedActivation;

  protected constructor(
    private readonly rank: R,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: SizeArg<R>,
    opts: ConvOptions<R>,
  ) {
    super();
    const name = SPEC[rank].name;
    positive(name, 'inChannels', inChannels);
    positive(name, 'outChannels', outChannels);
    this.groups = positive(name, 'groups', opts.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new LayerConfigError(
        `${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must both divide by groups (${this.groups}).`,
      );
    }
    this.kernelSize = tuple(name, 'kernelSize', kernelSize, rank, 1);
    this.stride = tuple(name, 'stride', opts.stride, rank, 1);
    this.dilation = tuple(name, 'dilation', opts.dilation, rank, 1);
    const p = opts.padding ?? 'valid';
    this.padding = p === 'valid' || p === 'same' ? p : tuple(name, 'padding', p, rank, 0, 0);
    this.dtype = opts.dtype ?? 'float32';
    this.activation = activationOption(name, opts.activation);
    const fanIn = (inChannels / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
    const params = defaultWeightAndBias(
      [outChannels, inChannels / this.groups, ...this.kernelSize],
      opts.bias === false ? null : [outChannels],
      fanIn,
      this.dtype,
    );
    this.weight = params.weight;
    this.bias = params.bias;
  }

  protected get label(): string {
    return `${SPEC[this.rank].name}(${this.inChannels}→${this.outChannels})`;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, this.weight);
  }

  forwardWith(x: Tensor, weight: Tensor): Tensor {
    checkInput(this.label, x, this.dtype, [['N', this.inChannels, ...SPEC[this.rank].axes]]);
    const { bias, activation, groups } = this;
    const p = this.padding;
    // The bias goes to core's fused biasActivation along the channel axis, not to conv's `bias`.
    return tidy(() => {
      let y: Tensor;
      if (this.rank === 1) {
        const padding = typeof p === 'string' ? p : p[0];
        y = conv1d(x, weight, { stride: this.stride[0], dilation: this.dilation[0], padding, groups });
      } else {
        const padding = typeof p === 'string' ? p : ([p[0], p[1]] as const);
        const pair = (v: number[]) => [v[0], v[1]] as const;
        y = conv2d(x, weight, { stride: pair(this.stride), dilation: pair(this.dilation), padding, groups });
      }
      return biasThenActivate(y, bias, 1, activation);
    });
  }

  /**
   * Folds a per-output-channel affine map applied after this layer into its weight and
   * bias: afterwards `layer(x)` equals the old `layer(x)·scale + shift` ([out] tensors).
   * Used by `fuseBatchNorm`; needs activation 'linear'.
   */
  foldAffine(scale: Tensor, shift: Tensor): void {
    this.bias = foldAffine(this.label, this, scale, shift);
  }

  override extraRepr(): string {
    return convRepr(this) + (this.activation === 'linear' ? '' : `, activation='${this.activation}'`);
  }
}

/**
 * 1-d convolution (PyTorch's `nn.Conv1d`) of x [N, in, L] → [N, out, Lout].
 * Parameters: `weight` [out, in/groups, k], `bias` [out]; default init U(±1/√(in/groups·k)).
 *
 * @example
 * const conv = new Conv1d(16, 32, 3, { padding: 'same' });
 * conv.call(x); // [N, 16, 100] → [N, 32, 100]
 */
export class Conv1d extends ConvNd<1> {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg<1>, opts: ConvOptions<1> = {}) {
    super(1, inChannels, outChannels, kernelSize, opts);
    describeModule(this, 'Conv1d', [inChannels, outChannels, kernelSize, opts], { owner: Conv1d });
  }
}

/**
 * 2-d convolution (PyTorch's `nn.Conv2d`, a cross-correlation) of x [N, in, H, W] →
 * [N, out, Hout, Wout], Hout = ⌊(H + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1.
 * Parameters: `weight` [out, in/groups, kH, kW], `bias` [out]; default init
 * U(±1/√(in/groups·kH·kW)) for both (PyTorch's).
 *
 * @example
 * const conv = new Conv2d(3, 16, 5, { padding: 2 });
 * conv.weight.shape; // [16, 3, 5, 5]
 * conv.call(x);      // [N, 3, 32, 32] → [N, 16, 32, 32]
 */
export class Conv2d extends ConvNd<2> {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg<2>, opts: ConvOptions<2> = {}) {
    super(2, inChannels, outChannels, kernelSize, opts);
    describeModule(this, 'Conv2d', [inChannels, outChannels, kernelSize, opts], { owner: Conv2d });
  }
}
