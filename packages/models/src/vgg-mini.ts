import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Layer } from '@tessera/layers';
import { describeZoo } from './zoo-config.js';
import { ModelConfigError, positiveInt } from './errors.js';

/** Options of {@link vggMini}. */
export interface VGGMiniOptions {
  /** Input channels (default 1). */
  readonly inChannels?: number;
  /** Classes (default 10). */
  readonly numClasses?: number;
  /** Input height and width (default [28, 28]); each block halves them. */
  readonly inputSize?: readonly [number, number];
  /** Conv width of each block (default [16, 32]); a block is `convsPerBlock` × (conv 3×3, BN, ReLU), then maxpool 2. */
  readonly widths?: readonly number[];
  /** Convs per block (default 2). */
  readonly convsPerBlock?: number;
  /** Hidden width of the classifier (default 128). */
  readonly hidden?: number;
  /** Dropout after each block (default 0.1). */
  readonly blockDropout?: number;
  /** Dropout before the last linear layer (default 0.3). */
  readonly dropout?: number;
}

function probability(name: string, p: number): void {
  if (!(p >= 0 && p < 1)) throw new ModelConfigError('vggMini', `option '${name}' is ${p}`, `Pass a dropout probability in [0, 1).`);
}

/**
 * A small VGG-style CNN for 28×28 (or other small) images: per block, `convsPerBlock` ×
 * (conv 3×3 padding 1 → BatchNorm2d → ReLU), maxpool 2, dropout; then flatten → linear
 * `hidden` → ReLU → dropout → linear `numClasses`. The defaults are the Fashion-MNIST
 * recipe's model: about 4.7 million multiply-adds per 28×28 image (3.5× the classic MNIST
 * CNN), kept small because the CPU backend trains it for 15 epochs in half an hour.
 *
 * @example
 * const net = vggMini(); // 218,682 parameters for 1×28×28 → 10
 */
export function vggMini(opts: VGGMiniOptions = {}): Sequential {
  return describeZoo(buildVggMini(opts), 'vggMini', [opts]);
}

function buildVggMini(opts: VGGMiniOptions): Sequential {
  const {
    inChannels = 1,
    numClasses = 10,
    inputSize = [28, 28],
    widths = [16, 32],
    convsPerBlock = 2,
    hidden = 128,
    blockDropout = 0.1,
    dropout = 0.3,
  } = opts;
  positiveInt('vggMini', 'inChannels', inChannels);
  positiveInt('vggMini', 'numClasses', numClasses);
  positiveInt('vggMini', 'convsPerBlock', convsPerBlock);
  positiveInt('vggMini', 'hidden', hidden);
  if (!Array.isArray(widths) || widths.length === 0)
    throw new ModelConfigError(
      'vggMini',
      `option 'widths' is ${JSON.stringify(widths)}`,
      'Pass a non-empty array of block widths, e.g. [32, 64].',
    );
  widths.forEach((w, i) => positiveInt('vggMini', `widths[${i}]`, w));
  probability('blockDropout', blockDropout);
  probability('dropout', dropout);
  const shrink = 2 ** widths.length;
  const [h, w] = inputSize;
  if (!(Math.floor(h / shrink) >= 1 && Math.floor(w / shrink) >= 1)) {
    throw new ModelConfigError(
      'vggMini',
      `${widths.length} blocks halve a ${h}×${w} input ${widths.length} times to nothing`,
      `Use at most ${Math.floor(Math.log2(Math.min(h, w)))} blocks for ${h}×${w} images, or larger images.`,
    );
  }
  const layers: Layer[] = [];
  let c = inChannels;
  for (const width of widths) {
    for (let i = 0; i < convsPerBlock; i++) {
      layers.push(new Conv2d(c, width, 3, { padding: 1 }), new BatchNorm2d(width), new ReLU());
      c = width;
    }
    layers.push(new MaxPool2d(2));
    if (blockDropout > 0) layers.push(new Dropout(blockDropout));
  }
  const features = c * Math.floor(h / shrink) * Math.floor(w / shrink);
  layers.push(new Flatten(), new Linear(features, hidden), new ReLU());
  if (dropout > 0) layers.push(new Dropout(dropout));
  layers.push(new Linear(hidden, numClasses));
  return new Sequential(...layers);
}
