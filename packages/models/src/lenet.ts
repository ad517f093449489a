import { describeZoo } from './zoo-config.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, initialize, type Layer } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';
import { EuclideanRBF, LENET5_C3_TABLE, PartialConv2d, ScaledTanh, Subsampling2d, lecun1998Uniform } from './lenet1998.js';

/** Options of {@link lenet5}. */
export interface LeNet5Options {
  readonly inChannels?: number;
  readonly numClasses?: number;
  /**
   * 'modern' (default): conv 5×5 with padding 2 on 28×28, ReLU, max pooling, fully
   * connected C3, linear output (61,706 parameters).
   * '1998': LeCun et al.'s LeNet-5 on 32×32, as in the paper: C1 6@28×28, trainable
   * subsampling S2, C3 16@10×10 with Table I's partial connections, S4, C5 120, F6 84, the
   * squashing function 1.7159·tanh(2a/3) after every layer up to F6, and Euclidean RBF
   * output units (60,840 parameters).
   */
  readonly variant?: 'modern' | '1998';
  /**
   * Output layer of the '1998' variant: 'rbf' (default; Euclidean RBF units returning
   * minus the penalty, so the output is logits) or 'linear' (a Linear layer 84 → classes).
   * The modern variant is always linear.
   */
  readonly output?: 'rbf' | 'linear';
}

/** C1, C5 and F6 of the 1998 net with LeCun's U(±2.4/fan-in) initialisation. */
function lecunInit<L extends Conv2d | Linear>(layer: L, fanIn: number): L {
  initialize(layer.weight, lecun1998Uniform(fanIn));
  if (layer.bias !== null) initialize(layer.bias, lecun1998Uniform(fanIn));
  return layer;
}

/** LeNet-5 as in LeCun, Bottou, Bengio and Haffner (1998), Fig. 2; names c1 … f6, output. */
function lenet1998(inChannels: number, numClasses: number, output: 'rbf' | 'linear'): Sequential {
  const layers: Record<string, Layer> = {
    c1: lecunInit(new Conv2d(inChannels, 6, 5), inChannels * 25), act1: new ScaledTanh(),
    s2: new Subsampling2d(6), act2: new ScaledTanh(),
    c3: new PartialConv2d(6, LENET5_C3_TABLE, 5), act3: new ScaledTanh(),
    s4: new Subsampling2d(16), act4: new ScaledTanh(),
    c5: lecunInit(new Conv2d(16, 120, 5), 16 * 25), act5: new ScaledTanh(), flatten: new Flatten(),
    f6: lecunInit(new Linear(120, 84), 120), act6: new ScaledTanh(),
    output: output === 'rbf' ? new EuclideanRBF(84, numClasses) : new Linear(84, numClasses),
  };
  return new Sequential(layers);
}

/**
 * LeNet-5. The modern variant (28×28, ReLU, max pooling, fully connected C3) has 61,706
 * parameters; the 1998 variant (32×32) follows the paper and has its 60,840.
 *
 * @example
 * const net = lenet5({ variant: '1998' }); // input [N, 1, 32, 32] → [N, 10] (−RBF penalties)
 */
export function lenet5(opts: LeNet5Options = {}): Sequential {
  return describeZoo(buildLenet5(opts), 'lenet5', [opts]);
}

function buildLenet5(opts: LeNet5Options = {}): Sequential {
  const { inChannels = 1, numClasses = 10, variant = 'modern' } = opts;
  positiveInt('lenet5', 'inChannels', inChannels);
  positiveInt('lenet5', 'numClasses', numClasses);
  if (variant === '1998') return lenet1998(inChannels, numClasses, opts.output ?? 'rbf');
  if (variant !== 'modern') throw new ModelConfigError('lenet5', `unknown variant '${String(variant)}'`, "Use 'modern' or '1998'.");
  if (opts.output === 'rbf')
    throw new ModelConfigError('lenet5', "output 'rbf' is only built for variant '1998'", "Pass variant: '1998', or leave output unset.");
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 25, 120), new ReLU(),
    new Linear(120, 84), new ReLU(),
    new Linear(84, numClasses),
  );
}
