import { type Tensor, tidy } from '@tessera/core';
import { silu } from '../activations/functional.js';
import { describeModule } from '../config/record.js';
import { Module } from '../module.js';
import { type LayerOptions, checkInput, positive } from './common.js';
import { Linear } from './linear.js';

/** Options of `SwiGLU`. */
export interface SwiGLUOptions extends LayerOptions {
  /** Biases on w1, w2 and w3 (default false, as LLaMA). */
  readonly bias?: boolean;
}

/**
 * The SwiGLU feed-forward block (Shazeer 2020, "GLU Variants Improve Transformer"; LLaMA's
 * `FeedForward`): `w2(silu(w1(x)) ⊙ w3(x))`, a gated replacement for a Transformer's
 * linear → ReLU → linear. Sub-modules are named as in Meta's LLaMA reference code — `w1`
 * (gate, [hidden, dim]), `w3` (up, [hidden, dim]), `w2` (down, [dim, hidden]) — so its
 * checkpoints load by name (Hugging Face calls them gate_proj, up_proj, down_proj). Linear
 * layers without bias by default; PyTorch's default Linear initialisation. LLaMA picks
 * hidden ≈ 8/3·dim (rounded up to a multiple of 256) to keep the parameter count of a 4·dim MLP.
 *
 * @example
 * const ff = new SwiGLU(512, 1376);
 * ff.call(x); // [N, T, 512] → [N, T, 512]
 */
export class SwiGLU extends Module {
  readonly w1: Linear;
  readonly w2: Linear;
  readonly w3: Linear;

  constructor(
    readonly dim: number,
    readonly hiddenDim: number,
    opts: SwiGLUOptions = {},
  ) {
    super();
    positive('SwiGLU', 'dim', dim);
    positive('SwiGLU', 'hiddenDim', hiddenDim);
    const o = { bias: opts.bias ?? false, dtype: opts.dtype };
    this.w1 = new Linear(dim, hiddenDim, o);
    this.w2 = new Linear(hiddenDim, dim, o);
    this.w3 = new Linear(dim, hiddenDim, o);
    describeModule(this, 'SwiGLU', [dim, hiddenDim, opts], { owner: SwiGLU });
  }

  /** x: [*, dim] → [*, dim]. */
  forward(x: Tensor): Tensor {
    checkInput(
      `SwiGLU(${this.dim}, ${this.hiddenDim})`,
      x,
      this.w1.dtype,
      [[...new Array<string>(Math.max(x.rank - 1, 0)).fill('*'), this.dim]],
      'The last axis must be dim.',
    );
    return tidy(() => this.w2.call(silu(this.w1.call(x)).mul(this.w3.call(x))));
  }

  override extraRepr(): string {
    return `dim=${this.dim}, hiddenDim=${this.hiddenDim}, bias=${this.w1.bias !== null}`;
  }
}
