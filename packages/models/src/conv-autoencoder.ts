import { describeZoo } from './zoo-config.js';
import { ShapeError, type Tensor } from '@tessera/core';
import { Conv2d, ConvTranspose2d, Module, ReLU, Sequential, Sigmoid } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Options of {@link ConvAutoencoder}. */
export interface ConvAutoencoderOptions {
  /** Image channels (default 1). */
  readonly inChannels?: number;
  /** Encoder widths, one stride-2 3×3 conv each (default [16, 32]); the decoder mirrors them. */
  readonly channels?: readonly number[];
}

/**
 * A convolutional autoencoder: the encoder halves the image per level (Conv2d 3×3, stride
 * 2, padding 1, ReLU); the decoder doubles it back with ConvTranspose2d (3×3, stride 2,
 * padding 1, outputPadding 1) and ends in a sigmoid (data in [0, 1]). Height and width must
 * divide by 2^levels.
 *
 * @example
 * const ae = new ConvAutoencoder({ inChannels: 1, channels: [16, 32] }); // [N, 1, 28, 28] → same
 */
export class ConvAutoencoder extends Module {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly levels: number;

  constructor(opts: ConvAutoencoderOptions = {}) {
    super();
    const { inChannels = 1, channels = [16, 32] } = opts;
    positiveInt('ConvAutoencoder', 'inChannels', inChannels);
    if (channels.length === 0) throw new ModelConfigError('ConvAutoencoder', 'channels is empty', 'Pass at least one encoder width.');
    channels.forEach((c, i) => positiveInt('ConvAutoencoder', `channels[${i}]`, c));
    const widths = [inChannels, ...channels];
    this.levels = channels.length;
    this.encoder = new Sequential();
    for (let i = 1; i < widths.length; i++)
      this.encoder.add(new Conv2d(widths[i - 1]!, widths[i]!, 3, { stride: 2, padding: 1 })).add(new ReLU());
    this.decoder = new Sequential();
    for (let i = widths.length - 1; i > 0; i--) {
      this.decoder.add(new ConvTranspose2d(widths[i]!, widths[i - 1]!, 3, { stride: 2, padding: 1, outputPadding: 1 }));
      this.decoder.add(i > 1 ? new ReLU() : new Sigmoid());
    }
    describeZoo(this, 'ConvAutoencoder', [opts], ConvAutoencoder);
  }

  /** The code [N, channels.at(-1), H / 2^levels, W / 2^levels]. */
  encode(x: Tensor): Tensor {
    const f = 2 ** this.levels;
    if (x.rank !== 4 || x.shape[2]! % f !== 0 || x.shape[3]! % f !== 0) {
      throw new ShapeError(`ConvAutoencoder: input [${x.shape.join(', ')}] must be [N, C, H, W] with H and W divisible by ${f} ` +
        `(2^levels) to be reconstructed at its size; pad or crop the images.`);
    }
    return this.encoder.call(x);
  }

  forward(x: Tensor): Tensor {
    return this.decoder.call(this.encode(x));
  }
}
