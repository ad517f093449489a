import { describeZoo } from './zoo-config.js';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  LocalResponseNorm,
  MaxPool2d,
  ReLU,
  Sequential,
  type Layer,
} from '@tessera/layers';
import { positiveInt } from './errors.js';

/** Options of {@link alexnet}. */
export interface AlexNetOptions {
  readonly inChannels?: number;
  readonly numClasses?: number;
  /** Dropout in the classifier (default 0.5). */
  readonly dropout?: number;
  /** Classifier hidden width (default 4096). */
  readonly hidden?: number;
  /**
   * 'torchvision' (default): torchvision's one-tower layout (64-192-384-256-256, no LRN).
   * 'original': Krizhevsky et al. 2012 widths (96-256-384-384-256) with LRN after conv1/conv2.
   */
  readonly variant?: 'torchvision' | 'original';
}

/** conv rows: [out, kernel, stride, padding, then LRN?, then maxpool?] */
const TABLES = {
  torchvision: [
    [64, 11, 4, 2, false, true],
    [192, 5, 1, 2, false, true],
    [384, 3, 1, 1, false, false],
    [256, 3, 1, 1, false, false],
    [256, 3, 1, 1, false, true],
  ],
  original: [
    [96, 11, 4, 2, true, true],
    [256, 5, 1, 2, true, true],
    [384, 3, 1, 1, false, false],
    [384, 3, 1, 1, false, false],
    [256, 3, 1, 1, false, true],
  ],
} as const;

/**
 * AlexNet with torchvision's names (`features.0` … `classifier.6`) for 224×224 inputs.
 *
 * @example
 * const net = alexnet(); // 61,100,840 parameters
 */
export function alexnet(opts: AlexNetOptions = {}): Sequential {
  return describeZoo(buildAlexnet(opts), 'alexnet', [opts]);
}

function buildAlexnet(opts: AlexNetOptions = {}): Sequential {
  const { inChannels = 3, numClasses = 1000, dropout = 0.5, hidden = 4096, variant = 'torchvision' } = opts;
  positiveInt('alexnet', 'inChannels', inChannels);
  positiveInt('alexnet', 'numClasses', numClasses);
  const features: Layer[] = [];
  let c = inChannels;
  for (const [o, k, stride, padding, lrn, pool] of TABLES[variant]) {
    features.push(new Conv2d(c, o, k, { stride, padding }), new ReLU());
    if (lrn) features.push(new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }));
    if (pool) features.push(new MaxPool2d(3, { stride: 2 }));
    c = o;
  }
  return new Sequential({
    features: new Sequential(...features),
    avgpool: new AdaptiveAvgPool2d(6),
    flatten: new Flatten(),
    classifier: new Sequential(
      new Dropout(dropout), new Linear(c * 36, hidden), new ReLU(),
      new Dropout(dropout), new Linear(hidden, hidden), new ReLU(),
      new Linear(hidden, numClasses),
    ),
  });
}
