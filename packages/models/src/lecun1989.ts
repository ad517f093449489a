import { describeZoo } from './zoo-config.js';
import { ShapeError, type Parameter, type Tensor } from '@tessera/core';
import { Conv2d, Flatten, Linear, LocallyConnected2d, Module, Sequential, Tanh, init, param, type Layer } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Zero padding on every side of the two spatial axes of [N, C, H, W]. */
class ZeroPad2d extends Module {
  constructor(readonly padding: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    const p = this.padding;
    return x.pad([[0, 0], [0, 0], [p, p], [p, p]]);
  }
}

/**
 * A convolution (shared weights) whose bias is not shared: one bias per output unit,
 * `bias` [out, oH, oW], as in LeCun's 1989 constrained networks. Names: `conv.weight`, `bias`.
 */
export class UntiedBiasConv2d extends Module {
  readonly conv: Conv2d;
  readonly bias: Parameter;
  /** Output height and width for the input size it was built for. */
  readonly outputSize: [number, number];

  /**
   * @param inputSize - height and width of the input (the bias needs the output size).
   */
  constructor(inChannels: number, outChannels: number, inputSize: number, kernelSize: number, opts: { stride: number; padding: number }) {
    super();
    const { stride, padding } = opts;
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, bias: false });
    const o = Math.floor((inputSize + 2 * padding - kernelSize) / stride) + 1;
    this.outputSize = [o, o];
    const bound = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
    this.bias = param(init.uniform(-bound, bound)([outChannels, o, o]));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    const [oH, oW] = this.outputSize;
    if (y.shape[2] !== oH || y.shape[3] !== oW) {
      throw new ShapeError(`UntiedBiasConv2d: input [${x.shape.join(', ')}] gives a ${y.shape[2]}×${y.shape[3]} output but the per-unit ` +
        `bias is ${oH}×${oW}; build the layer for this input size.`);
    }
    return y.add(this.bias);
  }
}

/** The five networks of LeCun (1989), as in Hastie et al., ESL §11.7, Table 11.1. */
export type LeCun1989Net = 'net1' | 'net2' | 'net3' | 'net4' | 'net5';

/** Options of {@link lecun1989}. */
export interface LeCun1989Options {
  /** Classes (default 10 digits). */
  readonly numClasses?: number;
}

/**
 * Layers of each network for a 1×16×16 input; every hidden unit has its own bias.
 * Receptive fields of neighbouring units are two pixels apart (stride 2); the zero padding
 * (1 before 3×3 fields, 2 before 5×5 fields) makes the 8×8 and 4×4 grids of the paper.
 */
const BUILDERS: Record<LeCun1989Net, (classes: number) => Layer[]> = {
  // 10 perceptrons on the 256 pixels.
  net1: (k) => [new Flatten(), new Linear(256, k)],
  // One fully connected hidden layer of 12 units.
  net2: (k) => [new Flatten(), new Linear(256, 12), new Tanh(), new Linear(12, k)],
  // Locally connected, no sharing: H1 8×8 units on 3×3 fields, H2 4×4 units on 5×5 fields of H1.
  net3: (k) => [
    new ZeroPad2d(1), new LocallyConnected2d(1, 1, 18, 3, { stride: 2 }), new Tanh(),
    new ZeroPad2d(2), new LocallyConnected2d(1, 1, 12, 5, { stride: 2 }), new Tanh(),
    new Flatten(), new Linear(16, k),
  ],
  // H1: two 8×8 feature maps, each one shared 3×3 kernel; H2 as in Net-3, over both maps.
  net4: (k) => [
    new UntiedBiasConv2d(1, 2, 16, 3, { stride: 2, padding: 1 }), new Tanh(),
    new ZeroPad2d(2), new LocallyConnected2d(2, 1, 12, 5, { stride: 2 }), new Tanh(),
    new Flatten(), new Linear(16, k),
  ],
  // H1 as in Net-4; H2: four 4×4 feature maps, each one shared 5×5 kernel over both H1 maps.
  net5: (k) => [
    new UntiedBiasConv2d(1, 2, 16, 3, { stride: 2, padding: 1 }), new Tanh(),
    new UntiedBiasConv2d(2, 4, 8, 5, { stride: 2, padding: 2 }), new Tanh(),
    new Flatten(), new Linear(64, k),
  ],
};

/**
 * LeCun's 1989 constrained networks for 16×16 grey digits (Net-1 … Net-5 of ESL Table
 * 11.1): single layer; one hidden layer of 12; locally connected (Net-3); one (Net-4) and
 * two (Net-5) levels of weight sharing. Input [N, 1, 16, 16] → logits [N, numClasses]; tanh
 * hidden units. Parameters with 10 classes: 2570, 3214, 1226, 1132, 1060.
 *
 * @example
 * const net = lecun1989('net5'); // 1060 free parameters, 5194 connections
 */
export function lecun1989(net: LeCun1989Net, opts: LeCun1989Options = {}): Sequential {
  return describeZoo(buildLecun1989(net, opts), 'lecun1989', [net, opts]);
}

function buildLecun1989(net: LeCun1989Net, opts: LeCun1989Options = {}): Sequential {
  const { numClasses = 10 } = opts;
  positiveInt('lecun1989', 'numClasses', numClasses);
  const build = BUILDERS[net];
  if (build === undefined)
    throw new ModelConfigError('lecun1989', `unknown network '${String(net)}'`, `Use one of ${Object.keys(BUILDERS).join(', ')}.`);
  return new Sequential(...build(numClasses));
}
