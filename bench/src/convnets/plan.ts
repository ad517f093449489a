/**
 * One description of an inference convnet (ResNet v1.5 with conv shortcuts, VGG) as a list
 * of ops over named values, with the zoo's (torchvision's) parameter names. The weight
 * generator, the ONNX writer and the tfjs forward pass all walk this list, so the three
 * cannot drift apart; the Tessera column runs the zoo model itself, and loading the
 * generated weights into it strictly checks that every name and shape here matches it.
 */
import { RESNET_SPECS, VGG_CONFIGS, type ResNetName, type ResNetSpec, type VGGConfig } from '@tessera/models';

/** One op of a plan; `x`/`y` name its input and output values. */
export type NetOp =
  | {
      readonly op: 'conv';
      readonly name: string;
      readonly x: string;
      readonly y: string;
      readonly cin: number;
      readonly cout: number;
      readonly k: number;
      readonly stride: number;
      readonly pad: number;
      readonly bias: boolean;
    }
  | { readonly op: 'bn'; readonly name: string; readonly x: string; readonly y: string; readonly c: number }
  | { readonly op: 'relu'; readonly x: string; readonly y: string }
  | { readonly op: 'add'; readonly x: string; readonly x2: string; readonly y: string }
  | { readonly op: 'maxpool'; readonly x: string; readonly y: string; readonly k: number; readonly stride: number; readonly pad: number }
  /** Global average pooling and flatten: [N, C, H, W] → [N, C]. */
  | { readonly op: 'gap'; readonly x: string; readonly y: string }
  /** Row-major flatten of [N, C, H, W] → [N, C·H·W] (NCHW order). */
  | { readonly op: 'flatten'; readonly x: string; readonly y: string; readonly chw: readonly [number, number, number] }
  /** y = x·Wᵀ + b with W [out, in] (Linear's layout). */
  | { readonly op: 'linear'; readonly name: string; readonly x: string; readonly y: string; readonly in: number; readonly out: number };

/** A network as ops from input `x` [N, inChannels, size, size] to `output` [N, classes]. */
export interface NetPlan {
  readonly name: string;
  readonly inChannels: number;
  readonly size: number;
  readonly classes: number;
  readonly ops: readonly NetOp[];
  readonly output: string;
}

/** A parameter or buffer of a plan, with what it is (for the weight generator). */
export interface PlanParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: 'convWeight' | 'bias' | 'bnWeight' | 'bnBias' | 'bnMean' | 'bnVar' | 'linearWeight';
  /** Fan-in of the weight (conv: cin·k², linear: in). */
  readonly fanIn: number;
}

/** Builds ops with fresh value names. */
class PlanBuilder {
  readonly ops: NetOp[] = [];
  private n = 0;
  private fresh(): string {
    return `v${this.n++}`;
  }
  conv(name: string, x: string, cin: number, cout: number, k: number, stride: number, pad: number, bias: boolean): string {
    const y = this.fresh();
    this.ops.push({ op: 'conv', name, x, y, cin, cout, k, stride, pad, bias });
    return y;
  }
  bn(name: string, x: string, c: number): string {
    const y = this.fresh();
    this.ops.push({ op: 'bn', name, x, y, c });
    return y;
  }
  relu(x: string): string {
    const y = this.fresh();
    this.ops.push({ op: 'relu', x, y });
    return y;
  }
  add(x: string, x2: string): string {
    const y = this.fresh();
    this.ops.push({ op: 'add', x, x2, y });
    return y;
  }
  maxpool(x: string, k: number, stride: number, pad: number): string {
    const y = this.fresh();
    this.ops.push({ op: 'maxpool', x, y, k, stride, pad });
    return y;
  }
  gap(x: string): string {
    const y = this.fresh();
    this.ops.push({ op: 'gap', x, y });
    return y;
  }
  flatten(x: string, chw: readonly [number, number, number]): string {
    const y = this.fresh();
    this.ops.push({ op: 'flatten', x, y, chw });
    return y;
  }
  linear(name: string, x: string, inF: number, outF: number): string {
    const y = this.fresh();
    this.ops.push({ op: 'linear', name, x, y, in: inF, out: outF });
    return y;
  }
}

const EXPANSION = { basic: 1, bottleneck: 4 } as const;

/**
 * The plan of an ImageNet-stem ResNet from @tessera/models' table (the zoo's own spec, so
 * depth and widths follow the zoo): conv 7×7/2, bn, relu, maxpool 3×3/2 pad 1, the stages
 * of basic or bottleneck blocks (stride on the 3×3 conv, 1×1 conv + bn shortcuts), global
 * average pooling, fc. `size` is the input's height and width.
 */
export function resnetPlan(name: ResNetName, size = 224, classes = 1000): NetPlan {
  const spec: ResNetSpec = RESNET_SPECS[name];
  if (spec.stem !== 'imagenet') {
    throw new Error(
      `resnetPlan: ${name} has the CIFAR stem with zero-padded (option A) shortcuts; only the ImageNet-stem ResNets (resnet18 … ` +
        `resnet152) are described here.`,
    );
  }
  const b = new PlanBuilder();
  const w0 = spec.widths[0]!;
  let h = b.maxpool(b.relu(b.bn('bn1', b.conv('conv1', 'x', 3, w0, 7, 2, 3, false), w0)), 3, 2, 1);
  let inPlanes = w0;
  spec.layers.forEach((blocks, s) => {
    for (let i = 0; i < blocks; i++) {
      const p = `layer${s + 1}.${i}`;
      const planes = spec.widths[s]!;
      const outPlanes = planes * EXPANSION[spec.block];
      const stride = i === 0 && s > 0 ? 2 : 1;
      const widths: [number, number, number, number][] =
        spec.block === 'basic'
          ? [[inPlanes, planes, 3, stride], [planes, planes, 3, 1]]
          : [[inPlanes, planes, 1, 1], [planes, planes, 3, stride], [planes, outPlanes, 1, 1]];
      let y = h;
      widths.forEach(([ci, co, k, st], j) => {
        y = b.bn(`${p}.bn${j + 1}`, b.conv(`${p}.conv${j + 1}`, y, ci, co, k, st, k === 3 ? 1 : 0, false), co);
        if (j < widths.length - 1) y = b.relu(y);
      });
      const shortcut =
        stride !== 1 || inPlanes !== outPlanes
          ? b.bn(`${p}.downsample.1`, b.conv(`${p}.downsample.0`, h, inPlanes, outPlanes, 1, stride, 0, false), outPlanes)
          : h;
      h = b.relu(b.add(y, shortcut));
      inPlanes = outPlanes;
    }
  });
  const out = b.linear('fc', b.gap(h), inPlanes, classes);
  return { name, inChannels: 3, size, classes, ops: b.ops, output: out };
}

/**
 * The plan of a VGG configuration without batch norm or LRN (A, B, C, D, E) in the zoo's
 * layout: `features.i` convs (3×3 pad 1, or 1×1) with biases and ReLUs, 2×2 max pools,
 * then `classifier.0/3/6` (dropout is the identity at inference). The zoo's
 * AdaptiveAvgPool2d(7) is the identity only when the features end at 7×7, i.e. at 224×224
 * input, the only size this plan accepts.
 */
export function vggPlan(config: VGGConfig, size = 224, classes = 1000, hidden = 4096): NetPlan {
  const table = VGG_CONFIGS[config];
  const b = new PlanBuilder();
  let h = 'x';
  let c = 3;
  let s = size;
  let i = 0;
  for (const e of table) {
    if (e === 'M') {
      h = b.maxpool(h, 2, 2, 0);
      s = Math.floor(s / 2);
      i++;
    } else if (e === 'L') {
      throw new Error(
        `vggPlan: configuration ${config} has local response normalisation, which this plan does not describe; use A, B, C, D or E.`,
      );
    } else {
      const [w, k] = typeof e === 'number' ? [e, 3] : [e[0], 1];
      h = b.relu(b.conv(`features.${i}`, h, c, w, k, 1, k === 3 ? 1 : 0, true));
      c = w;
      i += 2;
    }
  }
  if (s !== 7)
    throw new Error(
      `vggPlan: the features end at ${s}×${s} for a ${size}×${size} input; the zoo's AdaptiveAvgPool2d(7) is the identity only at 7×7 ` +
        `(224×224 input).`,
    );
  h = b.flatten(h, [c, s, s]);
  h = b.relu(b.linear('classifier.0', h, c * s * s, hidden));
  h = b.relu(b.linear('classifier.3', h, hidden, hidden));
  const out = b.linear('classifier.6', h, hidden, classes);
  return { name: `vgg-${config}`, inChannels: 3, size, classes, ops: b.ops, output: out };
}

/** Every parameter and buffer of a plan (batch norms: weight, bias, running_mean, running_var), in op order. */
export function planParams(plan: NetPlan): PlanParam[] {
  const out: PlanParam[] = [];
  for (const o of plan.ops) {
    if (o.op === 'conv') {
      const fanIn = o.cin * o.k * o.k;
      out.push({ name: `${o.name}.weight`, shape: [o.cout, o.cin, o.k, o.k], role: 'convWeight', fanIn });
      if (o.bias) out.push({ name: `${o.name}.bias`, shape: [o.cout], role: 'bias', fanIn });
    } else if (o.op === 'bn') {
      const roles = [['weight', 'bnWeight'], ['bias', 'bnBias'], ['running_mean', 'bnMean'], ['running_var', 'bnVar']] as const;
      for (const [suffix, role] of roles) out.push({ name: `${o.name}.${suffix}`, shape: [o.c], role, fanIn: o.c });
    } else if (o.op === 'linear') {
      out.push({ name: `${o.name}.weight`, shape: [o.out, o.in], role: 'linearWeight', fanIn: o.in });
      out.push({ name: `${o.name}.bias`, shape: [o.out], role: 'bias', fanIn: o.in });
    }
  }
  return out;
}

/** How many ops read value `v`. */
export function readers(plan: NetPlan, v: string): number {
  return plan.ops.filter((o) => o.x === v || (o.op === 'add' && o.x2 === v)).length;
}
