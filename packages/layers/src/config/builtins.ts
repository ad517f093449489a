import { ACTIVATIONS } from '../activations/modules.js';
import { MultiheadAttention } from '../attention/multihead.js';
import { TransformerEncoderLayer } from '../attention/encoder-layer.js';
import { TransformerDecoderLayer } from '../attention/decoder-layer.js';
import { stackFromConfig } from '../attention/stacks.js';
import { Transformer } from '../attention/transformer.js';
import { LearnedPositionalEmbedding, SinusoidalPositionalEncoding } from '../attention/positional.js';
import { RotaryEmbedding } from '../attention/rotary.js';
import { BahdanauAttention, LuongAttention } from '../attention/recurrent-attention.js';
import { ModuleConfigError } from '../errors.js';
import { AdaptiveAvgPool2d } from '../layers/adaptive.js';
import { Conv1d, Conv2d } from '../layers/conv.js';
import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { Dropout } from '../layers/noise.js';
import { AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d } from '../layers/pooling.js';
import { Flatten, Reshape } from '../layers/reshape.js';
import { SwiGLU } from '../layers/swiglu.js';
import type { AnyModule } from '../module.js';
import { BatchNorm1d, BatchNorm2d } from '../norm/batchnorm.js';
import { GroupNorm } from '../norm/groupnorm.js';
import { InstanceNorm1d, InstanceNorm2d } from '../norm/instancenorm.js';
import { LayerNorm } from '../norm/layernorm.js';
import { RMSNorm } from '../norm/rmsnorm.js';
import { GRU, LSTM, RNN } from '../recurrent/layers.js';
import { type Layer, Sequential } from '../sequential.js';
import type { JsonValue } from './json.js';
import type { BuildModule, ModuleFactory } from './registry.js';

/**
 * A factory that calls the class's constructor with the recorded arguments. The
 * constructor validates them (a forged size fails there, with its own message).
 */
function ctor(C: new (...args: never[]) => AnyModule): ModuleFactory {
  return { fromConfig: (args) => new C(...(args as never[])), package: '@tessera/layers' };
}

/** Rebuilds `[['0', config], …]`, keeping each layer's name. */
function sequentialFromConfig(args: readonly JsonValue[], build: BuildModule, path: string): AnyModule {
  const [layers] = args;
  if (!Array.isArray(layers)) throw new ModuleConfigError(`${path}[0] must be a list of [name, config] pairs.`);
  const seq = new Sequential();
  layers.forEach((pair: JsonValue, i: number) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw new ModuleConfigError(`${path}[0][${i}] must be a [name, config] pair but is ${JSON.stringify(pair)?.slice(0, 80)}.`);
    }
    seq.add(build(pair[1], `${path}[0][${i}][1]`) as Layer, pair[0]);
  });
  return seq;
}

const LAYERS = {
  Linear,
  Conv1d,
  Conv2d,
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  Flatten,
  Reshape,
  Dropout,
  Embedding,
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  RMSNorm,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  SwiGLU,
  MultiheadAttention,
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  Transformer,
  SinusoidalPositionalEncoding,
  LearnedPositionalEmbedding,
  RotaryEmbedding,
  BahdanauAttention,
  LuongAttention,
  RNN,
  LSTM,
  GRU,
  ...ACTIVATIONS,
};

/** The modules `@tessera/layers` can rebuild from a config, by name. */
export const BUILTIN_MODULES: Readonly<Record<string, ModuleFactory>> = {
  ...Object.fromEntries(Object.entries(LAYERS).map(([name, C]) => [name, ctor(C as new (...args: never[]) => AnyModule)])),
  Sequential: { fromConfig: sequentialFromConfig, package: '@tessera/layers' },
  TransformerEncoder: { fromConfig: (args, build, path) => stackFromConfig('encoder', args, build, path), package: '@tessera/layers' },
  TransformerDecoder: { fromConfig: (args, build, path) => stackFromConfig('decoder', args, build, path), package: '@tessera/layers' },
};
