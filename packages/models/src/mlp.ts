import { describeZoo } from './zoo-config.js';
import { Dropout, Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh, type Layer } from '@tessera/layers';
import { positiveInt, ModelConfigError } from './errors.js';

/** Hidden-layer activations an MLP can use by name. */
export type MLPActivation = 'relu' | 'tanh' | 'sigmoid';

/** Options of {@link mlp}. */
export interface MLPOptions {
  /** Input features (a flattened image is fine: inputs are flattened first). */
  readonly inFeatures: number;
  /** Sizes of the hidden layers, in order (may be empty: a linear model). */
  readonly hidden: readonly number[];
  /** Output features (classes). */
  readonly outFeatures: number;
  /** Hidden activation (default 'relu'). */
  readonly activation?: MLPActivation;
  /** Dropout probability after each hidden activation (default 0: none). */
  readonly dropout?: number;
}

const ACTIVATIONS: Record<MLPActivation, () => Layer> = {
  relu: () => new ReLU(),
  tanh: () => new Tanh(),
  sigmoid: () => new Sigmoid(),
};

/**
 * A multi-layer perceptron: Flatten, then Linear → activation (→ Dropout) per hidden layer,
 * then a Linear output layer (logits).
 *
 * @example
 * const net = mlp({ inFeatures: 784, hidden: [128, 64], outFeatures: 10 });
 */
export function mlp(opts: MLPOptions): Sequential {
  return describeZoo(buildMlp(opts), 'mlp', [opts]);
}

function buildMlp(opts: MLPOptions): Sequential {
  const { inFeatures, hidden, outFeatures, activation = 'relu', dropout = 0 } = opts;
  positiveInt('mlp', 'inFeatures', inFeatures);
  positiveInt('mlp', 'outFeatures', outFeatures);
  hidden.forEach((h, i) => positiveInt('mlp', `hidden[${i}]`, h));
  const act = ACTIVATIONS[activation];
  if (act === undefined)
    throw new ModelConfigError('mlp', `unknown activation '${String(activation)}'`, `Use one of ${Object.keys(ACTIVATIONS).join(', ')}.`);
  if (!(dropout >= 0 && dropout < 1)) throw new ModelConfigError('mlp', `dropout is ${dropout}`, 'Pass a probability in [0, 1).');
  const net = new Sequential(new Flatten());
  let prev = inFeatures;
  for (const h of hidden) {
    net.add(new Linear(prev, h)).add(act());
    if (dropout > 0) net.add(new Dropout(dropout));
    prev = h;
  }
  return net.add(new Linear(prev, outFeatures));
}
