import { avgPool2d, conv2d, noGrad, rand, tensor, tidy, type Parameter, type Tensor } from '@tessera/core';
import { Buffer, Module, init, param } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/**
 * LeCun et al. (1998), Table I: the S2 feature maps each C3 map is connected to. Maps 0–5
 * see 3 contiguous S2 maps, 6–11 see 4 contiguous, 12–14 see 4 non-contiguous, 15 sees all 6
 * (contiguity wraps around: map 4 sees 4, 5, 0).
 */
export const LENET5_C3_TABLE: readonly (readonly number[])[] = [
  [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
  [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
  [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

/** LeCun's initialisation (1998, Appendix C): U(±2.4/F) with F the unit's fan-in. */
export function lecun1998Uniform(fanIn: number): init.Initializer {
  return init.uniform(-2.4 / fanIn, 2.4 / fanIn);
}

/**
 * A convolution in which output map o sees only the input maps `table[o]` (LeNet-5's C3).
 * Only the real kernels are parameters: `weight` [Σ|table[o]|, k, k] stacks them, map by
 * map in table order, and `bias` [out]; so `numParameters()` counts trainable connections
 * only. The fixed 0/1 `scatter` buffer [out·in, Σ|table[o]|] places each kernel into a full
 * [out, in, k, k] conv weight in forward; absent (o, i) pairs are zero and get no gradient.
 */
export class PartialConv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly scatter: Buffer;

  constructor(
    readonly inChannels: number,
    readonly table: readonly (readonly number[])[],
    readonly kernelSize: number,
  ) {
    super();
    positiveInt('PartialConv2d', 'inChannels', inChannels);
    positiveInt('PartialConv2d', 'kernelSize', kernelSize);
    const k2 = kernelSize * kernelSize;
    const kernels: number[] = [];
    table.forEach((inputs, o) => {
      if (
        inputs.length === 0 ||
        new Set(inputs).size !== inputs.length ||
        inputs.some((i) => !Number.isInteger(i) || i < 0 || i >= inChannels)
      ) {
        throw new ModelConfigError(
          'PartialConv2d',
          `table row ${o} is [${inputs.join(', ')}]`,
          `List distinct input maps in 0..${inChannels - 1}, at least one per output map.`,
        );
      }
      for (const i of inputs) kernels.push(o * inChannels + i);
    });
    const scatter = new Array<number>(table.length * inChannels * kernels.length).fill(0);
    kernels.forEach((row, c) => (scatter[row * kernels.length + c] = 1));
    this.scatter = new Buffer(tensor(scatter, { shape: [table.length * inChannels, kernels.length] }));
    // Each output map's kernels and bias get U(±2.4/F), F = |table[o]|·k² that map's fan-in.
    const bound = (perRow: (inputs: readonly number[]) => number[], shape: number[]) =>
      tidy(() =>
        noGrad(() =>
          rand(shape)
            .mul(2)
            .sub(1)
            .mul(tensor(table.flatMap(perRow), { shape: [shape[0]!, ...shape.slice(1).map(() => 1)] })),
        ),
      );
    this.weight = param(bound((inputs) => inputs.map(() => 2.4 / (inputs.length * k2)), [kernels.length, kernelSize, kernelSize]));
    this.bias = param(bound((inputs) => [2.4 / (inputs.length * k2)], [table.length]));
  }

  /** Output channels (the table's rows). */
  get outChannels(): number {
    return this.table.length;
  }

  /** The full conv weight [out, in, k, k], zero where the table has no connection. */
  kernel(): Tensor {
    const k = this.kernelSize;
    return this.scatter.matmul(this.weight.reshape([this.weight.shape[0]!, k * k])).reshape([this.outChannels, this.inChannels, k, k]);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.kernel(), { bias: this.bias });
  }
}

/**
 * LeNet-5's trainable subsampling (S2, S4): per map, the sum of each non-overlapping 2×2
 * window times a trainable coefficient `weight` [C] plus a trainable `bias` [C]
 * (2 parameters per map). The squashing function follows as its own layer.
 */
export class Subsampling2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly channels: number) {
    super();
    positiveInt('Subsampling2d', 'channels', channels);
    // Fan-in 4 (the window): U(±0.6), LeCun's rule.
    this.weight = param(lecun1998Uniform(4)([channels]));
    this.bias = param(lecun1998Uniform(4)([channels]));
  }

  forward(x: Tensor): Tensor {
    const c = [1, this.channels, 1, 1];
    const windowSum = avgPool2d(x, { kernelSize: [2, 2], stride: [2, 2] }).mul(4);
    return windowSum.mul(this.weight.reshape(c)).add(this.bias.reshape(c));
  }
}

/** LeCun's squashing function f(a) = A·tanh(S·a) with A = 1.7159, S = 2/3 (so f(±1) ≈ ±1). */
export class ScaledTanh extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2 / 3).tanh().mul(1.7159);
  }
}

/**
 * Euclidean radial basis function units (LeNet-5's output layer): unit i outputs the
 * penalty y_i = Σ_j (x_j − w_ij)², `weight` [units, in]; the smaller, the better the match.
 * `call`/`forward` return −y, so the output works as logits (`crossEntropyLoss`, `argmax`);
 * `penalties(x)` returns y itself. The paper fixes the weights to hand-drawn ±1 bitmaps of
 * the characters; here they start as random ±1 codes and are trainable (freeze them with
 * `rbf.freeze()`, or `net.at(-1)!.freeze()` on LeNet-5, to keep them fixed as in the paper).
 */
export class EuclideanRBF extends Module {
  readonly weight: Parameter;

  constructor(readonly inFeatures: number, readonly units: number) {
    super();
    positiveInt('EuclideanRBF', 'inFeatures', inFeatures);
    positiveInt('EuclideanRBF', 'units', units);
    this.weight = param(tidy(() => noGrad(() => rand([units, inFeatures]).greater(0.5).cast('float32').mul(2).sub(1))));
  }

  /** The penalties y [N, units] of x [N, in]. */
  penalties(x: Tensor): Tensor {
    return x.unsqueeze(1).sub(this.weight.unsqueeze(0)).square().sum(2);
  }

  forward(x: Tensor): Tensor {
    return this.penalties(x).neg();
  }
}
