import { type Tensor, avgPool2d, tidy } from '@tessera/core';
import { expectFloat, expectShape } from '../check.js';
import { Module } from '../module.js';
import { checkInt, checkRange } from './config.js';

/** Options of `LocalResponseNorm` (PyTorch's and AlexNet's defaults). */
export interface LocalResponseNormOptions {
  /** Multiplies the windowed mean of squares (default 1e-4). */
  readonly alpha?: number;
  /** Exponent (default 0.75). */
  readonly beta?: number;
  /** Additive constant (default 1). */
  readonly k?: number;
}

/**
 * Local response normalisation across channels (Krizhevsky et al. 2012, AlexNet; PyTorch's
 * `nn.LocalResponseNorm`), for inputs [N, C, ...] with at least one spatial axis:
 *
 * `b_c = a_c / (k + alpha/size · Σ_{c'} a_{c'}²)^beta`, the sum over the window
 * `c' ∈ [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]` clipped to the channels that exist.
 *
 * Note PyTorch's convention: `alpha` is divided by `size` (the sum is an average). AlexNet's
 * paper values (k=2, n=5, α=1e-4, β=0.75) are `new LocalResponseNorm(5, { alpha: 5e-4, beta: 0.75, k: 2 })`.
 * No parameters; the same in training and eval.
 *
 * @example
 * const lrn = new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
 * const y = lrn.call(x); // x: [N, 96, 55, 55]
 */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(
    /** Number of neighbouring channels in the window (the centre included). */
    readonly size: number,
    opts: LocalResponseNormOptions = {},
  ) {
    super();
    checkInt('LocalResponseNorm', 'size', size);
    this.alpha = checkRange('LocalResponseNorm', 'alpha', opts.alpha ?? 1e-4, 0);
    this.beta = checkRange('LocalResponseNorm', 'beta', opts.beta ?? 0.75, 0);
    this.k = checkRange('LocalResponseNorm', 'k', opts.k ?? 1, 0);
  }

  forward(x: Tensor): Tensor {
    const label = `LocalResponseNorm(${this.size})`;
    expectFloat(label, x);
    expectShape(
      label,
      x,
      x.rank >= 3
        ? [['N', 'C', ...x.shape.slice(2).map((_, i) => `D${i + 1}`)]]
        : [
            ['N', 'C', 'L'],
            ['N', 'C', 'H', 'W'],
          ],
      'LocalResponseNorm works across channels (axis 1) and needs at least one spatial axis.',
    );
    const [n, c] = x.shape;
    const rest = x.size / (n * c);
    const s = this.size;
    return tidy(() => {
      // Mean of squares over a zero-padded channel window: one average pool over [C, rest].
      const sq = x.square().reshape([n, 1, c, rest]).pad([[0, 0], [0, 0], [s >> 1, (s - 1) >> 1], [0, 0]]);
      const windowMean = avgPool2d(sq, { kernelSize: [s, 1], stride: 1 }).reshape(x.shape);
      return x.div(windowMean.mul(this.alpha).add(this.k).pow(this.beta));
    });
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
