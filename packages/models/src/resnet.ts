import { describeZoo } from './zoo-config.js';
import { add, relu, type Tensor } from '@tessera/core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, Sequential, type Layer } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Which residual block a ResNet stacks. */
export type BlockKind = 'basic' | 'bottleneck';

/**
 * One residual block, basic (two 3×3 convs) or bottleneck (1×1, 3×3, 1×1 with ×4
 * expansion), with torchvision's names: conv1, bn1, conv2, bn2[, conv3, bn3], downsample.0/1.
 * The stride sits on the 3×3 conv (torchvision's ResNet v1.5).
 */
export class ResidualBlock extends Module {
  readonly convs: Conv2d[];
  readonly bns: BatchNorm2d[];
  readonly downsample: Sequential | undefined;

  constructor(kind: BlockKind, inPlanes: number, planes: number, stride: number, shortcut: 'conv' | 'pad') {
    super();
    const outPlanes = planes * EXPANSION[kind];
    const widths =
      kind === 'basic'
        ? [
            [inPlanes, planes, 3, stride],
            [planes, planes, 3, 1],
          ]
        : [
            [inPlanes, planes, 1, 1],
            [planes, planes, 3, stride],
            [planes, outPlanes, 1, 1],
          ];
    this.convs = widths.map(([i, o, k, s]) => new Conv2d(i!, o!, k!, { stride: s!, padding: k === 3 ? 1 : 0, bias: false }));
    this.bns = widths.map(([, o]) => new BatchNorm2d(o!));
    this.downsample =
      (stride !== 1 || inPlanes !== outPlanes) && shortcut === 'conv'
        ? new Sequential(new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false }), new BatchNorm2d(outPlanes))
        : undefined;
    this.padShortcut = shortcut === 'pad' && (stride !== 1 || inPlanes !== outPlanes) ? { stride, extra: outPlanes - inPlanes } : undefined;
  }

  private readonly padShortcut: { stride: number; extra: number } | undefined;

  override *ownMembers(): Generator<[string, import('@tessera/layers').Member]> {
    for (let i = 0; i < this.convs.length; i++) {
      yield [`conv${i + 1}`, this.convs[i]!];
      yield [`bn${i + 1}`, this.bns[i]!];
    }
    if (this.downsample !== undefined) yield ['downsample', this.downsample];
  }

  forward(x: Tensor): Tensor {
    let y = x;
    this.convs.forEach((c, i) => {
      y = this.bns[i]!.call(c.call(y));
      if (i < this.convs.length - 1) y = relu(y);
    });
    return relu(add(y, this.shortcut(x)));
  }

  private shortcut(x: Tensor): Tensor {
    if (this.downsample !== undefined) return this.downsample.call(x);
    if (this.padShortcut === undefined) return x;
    // Option A of He et al. (CIFAR): subsample by the stride, pad the new channels with zeros.
    const { stride, extra } = this.padShortcut;
    const sub = new MaxPool2d(1, { stride }).call(x);
    return sub.pad([[0, 0], [0, extra], [0, 0], [0, 0]]);
  }
}

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** Options of the ResNet factories. */
export interface ResNetOptions {
  /** Input channels (default 3). */
  readonly inChannels?: number;
  /** Classes (default 1000 for ImageNet, 10 for CIFAR). */
  readonly numClasses?: number;
}

/** One ResNet, described as a table: block kind, blocks per stage, stage widths, stem. */
export interface ResNetSpec {
  readonly name: string;
  readonly block: BlockKind;
  readonly layers: readonly number[];
  readonly widths: readonly number[];
  readonly stem: 'imagenet' | 'cifar';
}

/** A ResNet (He et al. 2015) with torchvision's names: conv1, bn1, layer1.0.conv1, …, fc. */
export class ResNet extends Module {
  readonly stem: Sequential;
  readonly stages: Sequential[];
  readonly head: Sequential;
  /** The classifier (`fc`); replace with {@link replaceHead}. */
  fc: Linear;

  constructor(spec: ResNetSpec, opts: ResNetOptions = {}) {
    super();
    const { inChannels = 3, numClasses = spec.stem === 'cifar' ? 10 : 1000 } = opts;
    positiveInt(spec.name, 'inChannels', inChannels);
    positiveInt(spec.name, 'numClasses', numClasses);
    const w0 = spec.widths[0]!;
    const imagenet = spec.stem === 'imagenet';
    this.stem = new Sequential({
      conv1: new Conv2d(inChannels, w0, imagenet ? 7 : 3, { stride: imagenet ? 2 : 1, padding: imagenet ? 3 : 1, bias: false }),
      bn1: new BatchNorm2d(w0),
      ...(imagenet ? { maxpool: new MaxPool2d(3, { stride: 2, padding: 1 }) } : {}),
    });
    let inPlanes = w0;
    this.stages = spec.layers.map((n, s) => {
      const blocks: Layer[] = [];
      for (let b = 0; b < n; b++) {
        const planes = spec.widths[s]!;
        blocks.push(new ResidualBlock(spec.block, inPlanes, planes, b === 0 && s > 0 ? 2 : 1, imagenet ? 'conv' : 'pad'));
        inPlanes = planes * EXPANSION[spec.block];
      }
      return new Sequential(...blocks);
    });
    this.head = new Sequential(new AdaptiveAvgPool2d(1), new Flatten());
    this.fc = new Linear(inPlanes, numClasses);
  }

  override *ownMembers(): Generator<[string, import('@tessera/layers').Member]> {
    const stem = this.stem.layers;
    yield ['conv1', stem[0]!];
    yield ['bn1', stem[1]!];
    for (let s = 0; s < this.stages.length; s++) yield [`layer${s + 1}`, this.stages[s]!];
    yield ['fc', this.fc];
  }

  forward(x: Tensor): Tensor {
    const l = this.stem.layers;
    let y = relu(l[1]!.call(l[0]!.call(x)));
    if (l[2] !== undefined) y = l[2].call(y);
    for (const st of this.stages) y = st.call(y);
    return this.fc.call(this.head.call(y));
  }
}

const IMAGENET_WIDTHS = [64, 128, 256, 512];
const CIFAR_WIDTHS = [16, 32, 64];

/** The ResNets by name, as layer tables. */
export const RESNET_SPECS = {
  resnet18: { name: 'resnet18', block: 'basic', layers: [2, 2, 2, 2], widths: IMAGENET_WIDTHS, stem: 'imagenet' },
  resnet34: { name: 'resnet34', block: 'basic', layers: [3, 4, 6, 3], widths: IMAGENET_WIDTHS, stem: 'imagenet' },
  resnet50: { name: 'resnet50', block: 'bottleneck', layers: [3, 4, 6, 3], widths: IMAGENET_WIDTHS, stem: 'imagenet' },
  resnet101: { name: 'resnet101', block: 'bottleneck', layers: [3, 4, 23, 3], widths: IMAGENET_WIDTHS, stem: 'imagenet' },
  resnet152: { name: 'resnet152', block: 'bottleneck', layers: [3, 8, 36, 3], widths: IMAGENET_WIDTHS, stem: 'imagenet' },
  resnet20: { name: 'resnet20', block: 'basic', layers: [3, 3, 3], widths: CIFAR_WIDTHS, stem: 'cifar' },
  resnet32: { name: 'resnet32', block: 'basic', layers: [5, 5, 5], widths: CIFAR_WIDTHS, stem: 'cifar' },
  resnet44: { name: 'resnet44', block: 'basic', layers: [7, 7, 7], widths: CIFAR_WIDTHS, stem: 'cifar' },
  resnet56: { name: 'resnet56', block: 'basic', layers: [9, 9, 9], widths: CIFAR_WIDTHS, stem: 'cifar' },
} as const satisfies Record<string, ResNetSpec>;

/** A ResNet name from {@link RESNET_SPECS}. */
export type ResNetName = keyof typeof RESNET_SPECS;

/**
 * Builds a ResNet by name: 'resnet18' … 'resnet152' (ImageNet, 224×224, torchvision names and
 * parameter counts) or 'resnet20' … 'resnet56' (CIFAR-10, 32×32, option-A zero-pad shortcuts).
 *
 * @example
 * const net = resnet('resnet20'); // 269,722 parameters, input [N, 3, 32, 32]
 */
export function resnet(name: ResNetName, opts: ResNetOptions = {}): ResNet {
  return describeZoo(buildResnet(name, opts), 'resnet', [name, opts]);
}

function buildResnet(name: ResNetName, opts: ResNetOptions = {}): ResNet {
  const spec: ResNetSpec | undefined = RESNET_SPECS[name];
  if (spec === undefined)
    throw new ModelConfigError('resnet', `unknown model '${String(name)}'`, `Use one of ${Object.keys(RESNET_SPECS).join(', ')}.`);
  return new ResNet(spec, opts);
}
