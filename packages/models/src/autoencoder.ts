import type { Tensor } from '@tessera/core';
import { GaussianNoise, Linear, Module, ReLU, Sequential, Sigmoid, type Layer } from '@tessera/layers';
import { positiveInt } from './errors.js';

/** Options of {@link DenseAutoencoder}. */
export interface DenseAutoencoderOptions {
  /** Input features. */
  readonly inFeatures: number;
  /** Encoder widths, the last one the code size; the decoder mirrors them. */
  readonly hidden: readonly number[];
  /** Gaussian noise on the input during training (denoising autoencoder; default 0: none). */
  readonly noise?: number;
  /** Sigmoid on the output, for data in [0, 1] (default true). */
  readonly sigmoidOutput?: boolean;
}

/**
 * A dense autoencoder: `encoder` (Linear+ReLU per hidden width) and a mirrored `decoder`.
 * With `noise > 0` it is a denoising autoencoder (noise only in training mode).
 *
 * @example
 * const ae = new DenseAutoencoder({ inFeatures: 784, hidden: [128, 32] });
 */
export class DenseAutoencoder extends Module {
  readonly noise: Layer | undefined;
  readonly encoder: Sequential;
  readonly decoder: Sequential;

  constructor(opts: DenseAutoencoderOptions) {
    super();
    const { inFeatures, hidden, noise = 0, sigmoidOutput = true } = opts;
    positiveInt('DenseAutoencoder', 'inFeatures', inFeatures);
    hidden.forEach((h, i) => positiveInt('DenseAutoencoder', `hidden[${i}]`, h));
    const widths = [inFeatures, ...hidden];
    this.noise = noise > 0 ? new GaussianNoise(noise) : undefined;
    this.encoder = new Sequential();
    for (let i = 1; i < widths.length; i++) this.encoder.add(new Linear(widths[i - 1]!, widths[i]!)).add(new ReLU());
    this.decoder = new Sequential();
    for (let i = widths.length - 1; i > 0; i--) {
      this.decoder.add(new Linear(widths[i]!, widths[i - 1]!));
      if (i > 1) this.decoder.add(new ReLU());
    }
    if (sigmoidOutput) this.decoder.add(new Sigmoid());
  }

  /** The code of an input. */
  encode(x: Tensor): Tensor {
    return this.encoder.call(x);
  }

  forward(x: Tensor): Tensor {
    return this.decoder.call(this.encoder.call(this.noise === undefined ? x : this.noise.call(x)));
  }
}
