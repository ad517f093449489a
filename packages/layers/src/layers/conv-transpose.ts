import { type Parameter, type Tensor, conv2dTranspose } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { type LayerOptions, type SizeArg, checkInput, convRepr, defaultWeightAndBias, positive, tuple } from './common.js';
import type { WeightedLayer } from './linear.js';

/** Options of `ConvTranspose2d` (PyTorch's names); per-axis values may be one number. */
export interface ConvTranspose2dOptions extends LayerOptions {
  /** Default 1. */
  readonly stride?: SizeArg<2>;
  /** `dilation·(k − 1) − padding` zeros are added to each side of the input (PyTorch's meaning). Default 0. */
  readonly padding?: SizeArg<2>;
  /** Extra rows/columns at the bottom/right of the output; each < stride or < dilation. Default 0. */
  readonly outputPadding?: SizeArg<2>;
  /** Default 1. */
  readonly dilation?: SizeArg<2>;
  /** Default 1; in and out channels must divide by it. */
  readonly groups?: number;
  /** Learn a per-channel bias (default true). */
  readonly bias?: boolean;
}

/**
 * Transposed 2-d convolution (PyTorch's `nn.ConvTranspose2d`; "deconvolution", the
 * gradient of Conv2d with respect to its input): x [N, in, H, W] → [N, out, Hout, Wout],
 * Hout = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
 * Parameters: `weight` [in, out/groups, kH, kW] (note: in first, as in PyTorch), `bias` [out].
 * Default init (PyTorch's): U(±1/√fanIn) for both, with fanIn = out/groups·kH·kW
 * (PyTorch computes it from weight.shape[1]). Everything PyTorch supports is supported
 * except `padding_mode` other than zeros.
 *
 * @example
 * const up = new ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 });
 * up.call(x); // [N, 16, 14, 14] → [N, 8, 28, 28]
 */
export class ConvTranspose2d extends Module implements WeightedLayer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly dtype: FloatDType;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: SizeArg<2>,
    opts: ConvTranspose2dOptions = {},
  ) {
    super();
    const name = 'ConvTranspose2d';
    positive(name, 'inChannels', inChannels);
    positive(name, 'outChannels', outChannels);
    this.groups = positive(name, 'groups', opts.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new LayerConfigError(
        `${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must both divide by groups (${this.groups}).`,
      );
    }
    this.kernelSize = tuple(name, 'kernelSize', kernelSize, 2, 1);
    this.stride = tuple(name, 'stride', opts.stride, 2, 1);
    this.padding = tuple(name, 'padding', opts.padding, 2, 0, 0);
    this.dilation = tuple(name, 'dilation', opts.dilation, 2, 1);
    this.outputPadding = tuple(name, 'outputPadding', opts.outputPadding, 2, 0, 0);
    this.outputPadding.forEach((op, i) => {
      if (op >= this.stride[i] && op >= this.dilation[i]) {
        throw new LayerConfigError(
          `${name}: outputPadding (${op}) must be smaller than the stride (${this.stride[i]}) or the dilation (${this.dilation[i]}).`,
        );
      }
    });
    this.dtype = opts.dtype ?? 'float32';
    const outPerGroup = outChannels / this.groups;
    const params = defaultWeightAndBias(
      [inChannels, outPerGroup, ...this.kernelSize],
      opts.bias === false ? null : [outChannels],
      outPerGroup * this.kernelSize[0] * this.kernelSize[1],
      this.dtype,
    );
    this.weight = params.weight;
    this.bias = params.bias;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, this.weight);
  }

  forwardWith(x: Tensor, weight: Tensor): Tensor {
    checkInput(`ConvTranspose2d(${this.inChannels}→${this.outChannels})`, x, this.dtype, [['N', this.inChannels, 'H', 'W']]);
    const pair = (v: number[]) => [v[0], v[1]] as const;
    return conv2dTranspose(x, weight, {
      stride: pair(this.stride),
      padding: pair(this.padding),
      outputPadding: pair(this.outputPadding),
      dilation: pair(this.dilation),
      groups: this.groups,
      bias: this.bias ?? undefined,
    });
  }

  override extraRepr(): string {
    return convRepr(this);
  }
}
