import { describeModule } from '../config/record.js';
import { type Tensor, dropout, dropoutMask, randn, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { Module } from '../module.js';
import { expectFloat } from '../check.js';
import { probability } from './common.js';
import type { WeightedLayer } from './linear.js';

/**
 * Inverted dropout (PyTorch's `nn.Dropout`, Srivastava et al. 2014): in training each
 * element is zeroed with probability p and the rest are scaled by 1/(1 − p), so in eval
 * (`model.eval()`) it is the identity and needs no rescaling. Works on any shape, so it
 * also serves as input dropout (put it first). Seeded by `manualSeed`.
 *
 * @example
 * const net = new Sequential(new Dropout(0.2), new Linear(784, 256), new ReLU(), new Dropout(0.5), new Linear(256, 10));
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    probability('Dropout', p);
    describeModule(this, 'Dropout', [p], { owner: Dropout });
  }

  forward(x: Tensor): Tensor {
    expectFloat('Dropout', x);
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Additive zero-mean Gaussian noise N(0, σ²), in training only (Keras' `GaussianNoise`):
 * a regulariser, and the corruption of a denoising autoencoder. Identity in eval.
 *
 * @example
 * const dae = new Sequential(new GaussianNoise(0.3), encoder, decoder);
 */
export class GaussianNoise extends Module {
  constructor(readonly stddev: number) {
    super();
    if (!(stddev >= 0)) throw new LayerConfigError(`GaussianNoise: stddev must be ≥ 0 but got ${stddev}.`);
  }

  forward(x: Tensor): Tensor {
    expectFloat('GaussianNoise', x);
    if (!this.training || this.stddev === 0) return x.reshape(x.shape);
    return tidy(() => x.add(randn(x.shape, { dtype: x.dtype, backend: x.backend }).mul(this.stddev)));
  }

  override extraRepr(): string {
    return `stddev=${this.stddev}`;
  }
}

/**
 * DropConnect (Wan et al. 2013): in training, each weight of the wrapped layer is dropped
 * with probability p for this forward pass (one mask per call, shared by the batch), and
 * the kept weights are scaled by 1/(1 − p) so their expectation is the full weight;
 * in eval the full weights are used (the paper's mean approximation at inference).
 * The bias is never dropped. The wrapped layer's parameters keep their names under
 * `module.` (`module.weight`, `module.bias`).
 *
 * @example
 * const fc = new DropConnect(new Linear(800, 10), 0.5);
 * fc.call(x); // [N, 800] → [N, 10]
 */
export class DropConnect<L extends WeightedLayer = WeightedLayer> extends Module {
  constructor(
    readonly module: L,
    readonly p = 0.5,
  ) {
    super();
    probability('DropConnect', p, true);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return this.module.call(x);
    const w = this.module.weight;
    return tidy(() => this.module.forwardWith(x, w.mul(dropoutMask(w.shape, this.p, w)).div(1 - this.p)));
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
