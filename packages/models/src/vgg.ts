import { describeZoo } from './zoo-config.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
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
import { ModelConfigError, positiveInt } from './errors.js';

/** A VGG layer table entry: conv width, 'M' maxpool, 'L' LRN, or [width, 1] a 1×1 conv (config C). */
type VGGEntry = number | 'M' | 'L' | readonly [number, 1];

/** Simonyan & Zisserman's configurations A–E (Table 1), as layer tables. */
export const VGG_CONFIGS = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  'A-LRN': [64, 'L', 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  C: [64, 64, 'M', 128, 128, 'M', 256, 256, [256, 1], 'M', 512, 512, [512, 1], 'M', 512, 512, [512, 1], 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, readonly VGGEntry[]>;

/** A VGG configuration name (D = VGG-16, E = VGG-19). */
export type VGGConfig = keyof typeof VGG_CONFIGS;

/** Options of {@link vgg}. */
export interface VGGOptions {
  readonly inChannels?: number;
  readonly numClasses?: number;
  /** BatchNorm2d after each conv (torchvision's vgg16_bn …; default false). */
  readonly batchNorm?: boolean;
  /** Dropout in the classifier (default 0.5). */
  readonly dropout?: number;
  /** Hidden width of the classifier (default 4096; smaller for tests or small data). */
  readonly hidden?: number;
}

/**
 * VGG (torchvision layout: `features`, `avgpool` to 7×7, `classifier.0/3/6`), built from
 * the configuration's layer table.
 *
 * @example
 * const vgg16 = vgg('D'); // 138,357,544 parameters, input [N, 3, 224, 224]
 */
export function vgg(config: VGGConfig, opts: VGGOptions = {}): Sequential {
  return describeZoo(buildVgg(config, opts), 'vgg', [config, opts]);
}

function buildVgg(config: VGGConfig, opts: VGGOptions = {}): Sequential {
  const table: readonly VGGEntry[] | undefined = VGG_CONFIGS[config];
  if (table === undefined)
    throw new ModelConfigError('vgg', `unknown configuration '${String(config)}'`, `Use one of ${Object.keys(VGG_CONFIGS).join(', ')}.`);
  const { inChannels = 3, numClasses = 1000, batchNorm = false, dropout = 0.5, hidden = 4096 } = opts;
  positiveInt('vgg', 'inChannels', inChannels);
  positiveInt('vgg', 'numClasses', numClasses);
  positiveInt('vgg', 'hidden', hidden);
  const features: Layer[] = [];
  let c = inChannels;
  for (const e of table) {
    if (e === 'M') features.push(new MaxPool2d(2, { stride: 2 }));
    else if (e === 'L') features.push(new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }));
    else {
      const [w, k] = typeof e === 'number' ? [e, 3] : [e[0], 1];
      features.push(new Conv2d(c, w, k, { padding: k === 3 ? 1 : 0 }));
      if (batchNorm) features.push(new BatchNorm2d(w));
      features.push(new ReLU());
      c = w;
    }
  }
  return new Sequential({
    features: new Sequential(...features),
    avgpool: new AdaptiveAvgPool2d(7),
    flatten: new Flatten(),
    classifier: new Sequential(
      new Linear(c * 49, hidden), new ReLU(), new Dropout(dropout),
      new Linear(hidden, hidden), new ReLU(), new Dropout(dropout),
      new Linear(hidden, numClasses),
    ),
  });
}
