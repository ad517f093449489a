import type { Parameter, Tensor } from '@tessera/core';
import { expectShape } from '../check.js';
import { LayerConfigError } from '../errors.js';
import { type FloatDType, constant } from '../init.js';
import { Module, param } from '../module.js';
import { prelu } from './functional.js';

/** Options of `PReLU`. */
export interface PReLUOptions {
  /** 1 (one slope shared by all channels, the default) or the number of channels (axis 1). */
  readonly numParameters?: number;
  /** Initial slope (default 0.25, as PyTorch). */
  readonly init?: number;
  /** Default 'float32'. */
  readonly dtype?: FloatDType;
}

/**
 * Parametric ReLU (He et al. 2015; PyTorch's `nn.PReLU`): x if x > 0 else a·x with a
 * learnable slope. Parameter: `weight` [numParameters], initialised to 0.25.
 *
 * @example
 * const act = new PReLU({ numParameters: 16 }); // one slope per channel of [N, 16, H, W]
 */
export class PReLU extends Module {
  readonly weight: Parameter;
  constructor(opts: PReLUOptions = {}) {
    super();
    const n = opts.numParameters ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new LayerConfigError(`PReLU: numParameters must be a positive integer but got ${n}.`);
    this.weight = param(constant(opts.init ?? 0.25)([n], { dtype: opts.dtype ?? 'float32' }));
  }

  forward(x: Tensor): Tensor {
    const n = this.weight.size;
    if (n > 1) expectShape(`PReLU(numParameters=${n})`, x, [['N', n, ...new Array<string>(Math.max(x.rank - 2, 0)).fill('*')]]);
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.weight.size}`;
  }
}
