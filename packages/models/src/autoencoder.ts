import { describeZoo } from './zoo-config.js';
import type { Tensor } from '@tessera/core';
import { GaussianNoise, Identity, Linear, Module, ReLU, Sequential, Sigmoid, Tanh, type Layer } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Hidden activations of the dense autoencoders. */
export type AutoencoderActivation = 'relu' | 'sigmoid' | 'tanh';

const ACTIVATIONS: Record<AutoencoderActivation, () => Layer> = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
};

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
  /** Hidden activation (default 'relu'). */
  readonly activation?: AutoencoderActivation;
}

/**
 * A dense autoencoder: `encoder` (Linear + activation per hidden width) and a mirrored
 * `decoder` (Linear + activation per level; the last level ends in the output sigmoid, or
 * an Identity without `sigmoidOutput`). Level i (1-based) is encoder layers 2(i−1), 2i−1
 * and decoder layers 2(L−i), 2(L−i)+1. With `noise > 0` it is a denoising autoencoder
 * (noise only in training mode).
 *
 * @example
 * const ae = new DenseAutoencoder({ inFeatures: 784, hidden: [128, 32] });
 */
export class DenseAutoencoder extends Module {
  readonly noise: GaussianNoise | undefined;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  /** The widths [inFeatures, ...hidden]. */
  readonly widths: readonly number[];

  constructor(opts: DenseAutoencoderOptions) {
    super();
    const { inFeatures, hidden, noise = 0, sigmoidOutput = true, activation = 'relu' } = opts;
    positiveInt('DenseAutoencoder', 'inFeatures', inFeatures);
    if (hidden.length === 0)
      throw new ModelConfigError('DenseAutoencoder', 'hidden is empty', 'Pass at least one hidden width (the code size).');
    hidden.forEach((h, i) => positiveInt('DenseAutoencoder', `hidden[${i}]`, h));
    const act = ACTIVATIONS[activation];
    if (act === undefined)
      throw new ModelConfigError(
        'DenseAutoencoder',
        `unknown activation '${String(activation)}'`,
        `Use one of ${Object.keys(ACTIVATIONS).join(', ')}.`,
      );
    if (!(noise >= 0)) throw new ModelConfigError('DenseAutoencoder', `noise is ${noise}`, 'Pass a standard deviation ≥ 0.');
    const widths = [inFeatures, ...hidden];
    this.widths = widths;
    this.noise = noise > 0 ? new GaussianNoise(noise) : undefined;
    this.encoder = new Sequential();
    for (let i = 1; i < widths.length; i++) this.encoder.add(new Linear(widths[i - 1]!, widths[i]!)).add(act());
    this.decoder = new Sequential();
    for (let i = widths.length - 1; i > 0; i--) {
      this.decoder.add(new Linear(widths[i]!, widths[i - 1]!));
      this.decoder.add(i > 1 ? act() : sigmoidOutput ? new Sigmoid() : new Identity());
    }
    describeZoo(this, 'DenseAutoencoder', [opts], DenseAutoencoder);
  }

  /** Number of encoder levels (hidden widths). */
  get depth(): number {
    return this.widths.length - 1;
  }

  /** Level `i` (1-based) as a shallow autoencoder: its encoder and its mirrored decoder layers. */
  level(i: number): { encoder: Sequential; decoder: Sequential } {
    if (!Number.isInteger(i) || i < 1 || i > this.depth)
      throw new ModelConfigError('DenseAutoencoder.level', `level ${i} does not exist`, `Pass 1 … ${this.depth}.`);
    const e = this.encoder.layers;
    const d = this.decoder.layers;
    const j = 2 * (this.depth - i);
    return { encoder: new Sequential(e[2 * i - 2]!, e[2 * i - 1]!), decoder: new Sequential(d[j]!, d[j + 1]!) };
  }

  /** The code of an input. */
  encode(x: Tensor): Tensor {
    return this.encoder.call(x);
  }

  forward(x: Tensor): Tensor {
    return this.decoder.call(this.encoder.call(this.noise === undefined ? x : this.noise.call(x)));
  }
}

/**
 * A stacked autoencoder (Bengio et al. 2007): a {@link DenseAutoencoder} with sigmoid
 * hidden units by default, meant to be pre-trained one level at a time with
 * {@link pretrainLayerwise} and then fine-tuned end to end. With `noise`, a stacked
 * denoising autoencoder (Vincent et al. 2010).
 *
 * @example
 * const ae = stackedAutoencoder({ inFeatures: 784, hidden: [256, 64] });
 */
export function stackedAutoencoder(opts: DenseAutoencoderOptions): DenseAutoencoder {
  return new DenseAutoencoder({ activation: 'sigmoid', ...opts });
}
