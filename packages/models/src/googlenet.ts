import { describeZoo } from './zoo-config.js';
import { concat, relu, type Tensor } from '@tessera/core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module, Sequential } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** torchvision's BasicConv2d: conv (no bias) → BatchNorm2d (eps 0.001) → ReLU. Names: `conv`, `bn`. */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: { stride?: number; padding?: number } = {}) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, { stride: opts.stride ?? 1, padding: opts.padding ?? 0, bias: false });
    this.bn = new BatchNorm2d(outChannels, { eps: 0.001 });
  }

  forward(x: Tensor): Tensor {
    return relu(this.bn.call(this.conv.call(x)));
  }
}

/** Widths of one Inception module: 1×1; 3×3 reduce, 3×3; 5×5 reduce, 5×5; pool projection. */
export type InceptionWidths = readonly [ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number];

/**
 * An Inception module: four parallel branches concatenated along channels — a 1×1 conv;
 * 1×1 reduction then 3×3; 1×1 reduction then the "5×5" conv; 3×3 max pool then a 1×1
 * projection. Names `branch1`, `branch2.0`, `branch2.1`, `branch3.*`, `branch4.1` (torchvision).
 */
export class Inception extends Module {
  readonly branch1: BasicConv2d;
  readonly branch2: Sequential;
  readonly branch3: Sequential;
  readonly branch4: Sequential;

  /** @param kernel5 - kernel of the "5×5" branch: 3 in torchvision (and its weights), 5 in the paper. */
  constructor(inChannels: number, widths: InceptionWidths, kernel5: 3 | 5) {
    super();
    const [c1, r3, c3, r5, c5, pp] = widths;
    this.branch1 = new BasicConv2d(inChannels, c1, 1);
    this.branch2 = new Sequential(new BasicConv2d(inChannels, r3, 1), new BasicConv2d(r3, c3, 3, { padding: 1 }));
    this.branch3 = new Sequential(new BasicConv2d(inChannels, r5, 1), new BasicConv2d(r5, c5, kernel5, { padding: (kernel5 - 1) / 2 }));
    this.branch4 = new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inChannels, pp, 1));
  }

  /** Output channels: the sum of the branch widths. */
  static outChannels(w: InceptionWidths): number {
    return w[0] + w[2] + w[4] + w[5];
  }

  forward(x: Tensor): Tensor {
    return concat([this.branch1.call(x), this.branch2.call(x), this.branch3.call(x), this.branch4.call(x)], 1);
  }
}

/** An auxiliary classifier: 4×4 average pool, 1×1 conv to 128, fc 2048→1024, dropout 0.7, fc. */
export class InceptionAux extends Module {
  readonly pool = new AdaptiveAvgPool2d(4);
  readonly conv: BasicConv2d;
  readonly fc1 = new Linear(2048, 1024);
  readonly fc2: Linear;
  readonly dropout: Dropout;

  constructor(inChannels: number, numClasses: number, dropout: number) {
    super();
    this.conv = new BasicConv2d(inChannels, 128, 1);
    this.fc2 = new Linear(1024, numClasses);
    this.dropout = new Dropout(dropout);
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(this.pool.call(x)).flatten(1);
    return this.fc2.call(this.dropout.call(relu(this.fc1.call(y))));
  }
}

/** Szegedy et al. 2014, Table 1: the Inception modules' widths, in order. */
export const INCEPTION_TABLE = {
  inception3a: [64, 96, 128, 16, 32, 32],
  inception3b: [128, 128, 192, 32, 96, 64],
  inception4a: [192, 96, 208, 16, 48, 64],
  inception4b: [160, 112, 224, 24, 64, 64],
  inception4c: [128, 128, 256, 24, 64, 64],
  inception4d: [112, 144, 288, 32, 64, 64],
  inception4e: [256, 160, 320, 32, 128, 128],
  inception5a: [256, 160, 320, 32, 128, 128],
  inception5b: [384, 192, 384, 48, 128, 128],
} as const satisfies Record<string, InceptionWidths>;

/** Options of {@link googlenet}. */
export interface GoogLeNetOptions {
  readonly inChannels?: number;
  readonly numClasses?: number;
  /** Build the two auxiliary classifiers `aux1` (after 4a) and `aux2` (after 4d). Default false. */
  readonly auxLogits?: boolean;
  /** Dropout before `fc` (default 0.2, torchvision's). */
  readonly dropout?: number;
  /** Dropout in the auxiliary classifiers (default 0.7). */
  readonly auxDropout?: number;
  /**
   * 'torchvision' (default): the "5×5" branch uses a 3×3 kernel, as torchvision's (and so
   * its weights) does; 6,624,904 parameters. 'paper': a true 5×5 kernel.
   */
  readonly variant?: 'torchvision' | 'paper';
}

/** The logits and, when built with auxiliary heads, their logits. */
export interface GoogLeNetOutputs {
  readonly logits: Tensor;
  readonly aux1?: Tensor;
  readonly aux2?: Tensor;
}

const pool = () => new MaxPool2d(3, { stride: 2, ceilMode: true });

/** GoogLeNet (Inception v1) with torchvision's names: conv1.conv, conv1.bn, inception3a.branch1.conv, …, fc. */
export class GoogLeNet extends Module {
  readonly conv1: BasicConv2d;
  readonly maxpool1 = pool();
  readonly conv2 = new BasicConv2d(64, 64, 1);
  readonly conv3 = new BasicConv2d(64, 192, 3, { padding: 1 });
  readonly maxpool2 = pool();
  readonly inception3a: Inception;
  readonly inception3b: Inception;
  readonly maxpool3 = pool();
  readonly inception4a: Inception;
  readonly inception4b: Inception;
  readonly inception4c: Inception;
  readonly inception4d: Inception;
  readonly inception4e: Inception;
  readonly maxpool4 = new MaxPool2d(2, { stride: 2, ceilMode: true });
  readonly inception5a: Inception;
  readonly inception5b: Inception;
  readonly aux1: InceptionAux | undefined;
  readonly aux2: InceptionAux | undefined;
  readonly avgpool = new AdaptiveAvgPool2d(1);
  readonly dropout: Dropout;
  readonly fc: Linear;

  constructor(opts: GoogLeNetOptions = {}) {
    super();
    const { inChannels = 3, numClasses = 1000, auxLogits = false, dropout = 0.2, auxDropout = 0.7, variant = 'torchvision' } = opts;
    positiveInt('googlenet', 'inChannels', inChannels);
    positiveInt('googlenet', 'numClasses', numClasses);
    if (variant !== 'torchvision' && variant !== 'paper')
      throw new ModelConfigError('googlenet', `unknown variant '${String(variant)}'`, "Use 'torchvision' or 'paper'.");
    const k5 = variant === 'paper' ? 5 : 3;
    this.conv1 = new BasicConv2d(inChannels, 64, 7, { stride: 2, padding: 3 });
    let c = 192;
    const inc = (name: keyof typeof INCEPTION_TABLE) => {
      const m = new Inception(c, INCEPTION_TABLE[name], k5);
      c = Inception.outChannels(INCEPTION_TABLE[name]);
      return m;
    };
    this.inception3a = inc('inception3a');
    this.inception3b = inc('inception3b');
    this.inception4a = inc('inception4a');
    this.aux1 = auxLogits ? new InceptionAux(c, numClasses, auxDropout) : undefined;
    this.inception4b = inc('inception4b');
    this.inception4c = inc('inception4c');
    this.inception4d = inc('inception4d');
    this.aux2 = auxLogits ? new InceptionAux(c, numClasses, auxDropout) : undefined;
    this.inception4e = inc('inception4e');
    this.inception5a = inc('inception5a');
    this.inception5b = inc('inception5b');
    this.dropout = new Dropout(dropout);
    this.fc = new Linear(c, numClasses);
  }

  /** Logits [N, numClasses]. Use {@link GoogLeNet.forwardWithAux} for the auxiliary logits. */
  forward(x: Tensor): Tensor {
    return this.forwardWithAux(x).logits;
  }

  /** Logits plus, in training mode when built with `auxLogits`, the auxiliary heads' logits. */
  forwardWithAux(x: Tensor): GoogLeNetOutputs {
    let y = this.maxpool1.call(this.conv1.call(x));
    y = this.maxpool2.call(this.conv3.call(this.conv2.call(y)));
    y = this.maxpool3.call(this.inception3b.call(this.inception3a.call(y)));
    y = this.inception4a.call(y);
    const aux1 = this.training ? this.aux1?.call(y) : undefined;
    y = this.inception4d.call(this.inception4c.call(this.inception4b.call(y)));
    const aux2 = this.training ? this.aux2?.call(y) : undefined;
    y = this.maxpool4.call(this.inception4e.call(y));
    y = this.inception5b.call(this.inception5a.call(y));
    const logits = this.fc.call(this.dropout.call(this.avgpool.call(y).flatten(1)));
    return { logits, ...(aux1 ? { aux1 } : {}), ...(aux2 ? { aux2 } : {}) };
  }
}

/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014) with dimension-reducing 1×1 convs, batch
 * norm as in torchvision, and optional auxiliary classifiers. Input [N, 3, 224, 224] (any
 * the head pools adaptively; 64×64 is tested).
 *
 * @example
 * const net = googlenet(); // 6,624,904 parameters
 */
export function googlenet(opts: GoogLeNetOptions = {}): GoogLeNet {
  return describeZoo(buildGooglenet(opts), 'googlenet', [opts]);
}

function buildGooglenet(opts: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(opts);
}
