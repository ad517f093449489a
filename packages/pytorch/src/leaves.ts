import type { AnyModule } from '@tessera/layers';
import {
  AdaptiveAvgPool2d,
  AvgPool1d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  GroupNorm,
  GRU,
  LayerNorm,
  Linear,
  LSTM,
  MaxPool1d,
  MaxPool2d,
  RNN,
  Reshape,
} from '@tessera/layers';
import { PytorchExportError } from './errors.js';
import { kwargs, py } from './python.js';

/** How one Tessera layer is written in PyTorch. */
export interface TorchLeaf {
  /** The `torch.nn` constructor call, e.g. `nn.Linear(784, 256)`; null: the layer has no weights and is written inline. */
  readonly ctor: string | null;
  /** The forward expression from the call's Python argument expressions and the module expression. */
  call(args: readonly string[], self: string): string;
}

const module = (ctor: string, post = (y: string) => y): TorchLeaf => ({ ctor, call: (args, self) => post(`${self}(${args.join(', ')})`) });

/** The fused `activation` option of Linear and the convolutions, applied after the PyTorch module. */
function fused(activation: string, layer: string): (y: string) => string {
  if (activation === 'linear') return (y) => y;
  if (activation === 'relu' || activation === 'sigmoid' || activation === 'tanh') return (y) => `torch.${activation}(${y})`;
  throw new PytorchExportError(`exportPytorch: ${layer} has activation '${activation}', which has no PyTorch counterpart here.`);
}

const ACTIVATIONS: Readonly<Record<string, (args: readonly unknown[]) => string>> = {
  ReLU: () => 'nn.ReLU()',
  LeakyReLU: ([slope]) => `nn.LeakyReLU(${py(slope ?? 0.01)})`,
  ELU: ([alpha]) => `nn.ELU(${py(alpha ?? 1)})`,
  GELU: ([approximate]) => `nn.GELU(${kwargs([['approximate', approximate ?? 'none', 'none']])})`,
  Sigmoid: () => 'nn.Sigmoid()',
  SiLU: () => 'nn.SiLU()',
  Tanh: () => 'nn.Tanh()',
  Softmax: ([axis]) => `nn.Softmax(dim=${py(axis ?? -1)})`,
  LogSoftmax: ([axis]) => `nn.LogSoftmax(dim=${py(axis ?? -1)})`,
  Softplus: ([beta, threshold]) => `nn.Softplus(${kwargs([['beta', beta ?? 1, 1], ['threshold', threshold ?? 20, 20]])})`,
  Identity: () => 'nn.Identity()',
};

/** PyTorch's name of a recurrent layer, for the constructor. */
const RECURRENT = [[LSTM, 'LSTM'], [GRU, 'GRU'], [RNN, 'RNN']] as const;

/**
 * The PyTorch form of a built-in layer, or undefined for a module that is not one (a
 * container or a model whose forward is traced through). `where` names it in errors.
 */
export function torchLeaf(m: AnyModule, where: string): TorchLeaf | undefined {
  if (m instanceof Linear) {
    return module(`nn.Linear(${m.inFeatures}, ${m.outFeatures}${m.bias ? '' : ', bias=False'})`, fused(m.activation, where));
  }
  if (m instanceof Conv2d || m instanceof Conv1d) {
    const rank = m instanceof Conv2d ? 2 : 1;
    if (m.padding === 'same' && m.stride.some((s) => s !== 1)) {
      throw new PytorchExportError(`exportPytorch: ${where} has padding 'same' with stride ${py(m.stride)}; PyTorch allows 'same' only ` +
        `for stride 1. Use numeric padding.`);
    }
    const padding = m.padding === 'valid' ? 0 : m.padding === 'same' ? 'same' : m.padding;
    const k = kwargs([
      ['stride', m.stride, Array(rank).fill(1)],
      ['padding', padding, 0],
      ['dilation', m.dilation, Array(rank).fill(1)],
      ['groups', m.groups, 1],
      ['bias', m.bias !== null, true],
    ]);
    return module(
      `nn.Conv${rank}d(${m.inChannels}, ${m.outChannels}, ${py(m.kernelSize)}${k ? `, ${k}` : ''})`,
      fused(m.activation, where),
    );
  }
  if (m instanceof MaxPool2d || m instanceof MaxPool1d || m instanceof AvgPool2d || m instanceof AvgPool1d) {
    const rank = m instanceof MaxPool2d || m instanceof AvgPool2d ? 2 : 1;
    const max = m instanceof MaxPool2d || m instanceof MaxPool1d;
    const k = kwargs([
      ['stride', m.stride],
      ['padding', m.padding, Array(rank).fill(0)],
      ['ceil_mode', m.ceilMode, false],
      ...(max ? [] : [['count_include_pad', m.countIncludePad, true] as const]),
    ]);
    return module(`nn.${max ? 'Max' : 'Avg'}Pool${rank}d(${py(m.kernelSize)}, ${k})`);
  }
  if (m instanceof AdaptiveAvgPool2d) return module(`nn.AdaptiveAvgPool2d(${py(m.getConfig().args[0])})`);
  if (m instanceof Flatten) return module(`nn.Flatten(${m.startDim}, ${m.endDim})`);
  if (m instanceof Reshape) return { ctor: null, call: ([x]) => `${x}.reshape(${x}.shape[0], ${m.shape.join(', ')})` };
  if (m instanceof Dropout) return module(`nn.Dropout(${py(m.p)})`);
  if (m instanceof BatchNorm2d || m instanceof BatchNorm1d) {
    const k = kwargs([
      ['eps', m.eps, 1e-5],
      ['momentum', m.momentum, 0.1],
      ['affine', m.affine, true],
      ['track_running_stats', m.trackRunningStats, true],
    ]);
    return module(`nn.BatchNorm${m instanceof BatchNorm2d ? 2 : 1}d(${m.numFeatures}${k ? `, ${k}` : ''})`);
  }
  if (m instanceof LayerNorm) {
    const bias = 'bias' in m.stateDict();
    if (m.elementwiseAffine && !bias)
      throw new PytorchExportError(`exportPytorch: ${where} is a LayerNorm without a bias; torch 1.13's nn.LayerNorm always has one.`);
    return module(`nn.LayerNorm(${py(m.normalizedShape)}, ` +
      `${kwargs([['eps', m.eps, 1e-5], ['elementwise_affine', m.elementwiseAffine, true]])})`);
  }
  if (m instanceof GroupNorm) {
    const [groups, channels, opts] = m.getConfig().args as [number, number, { eps?: number; affine?: boolean }?];
    return module(`nn.GroupNorm(${groups}, ${channels}, ` +
      `${kwargs([['eps', opts?.eps ?? 1e-5, 1e-5], ['affine', opts?.affine ?? true, true]])})`);
  }
  if (m instanceof Embedding)
    return module(`nn.Embedding(${m.numEmbeddings}, ${m.embeddingDim}${m.paddingIdx === null ? '' : `, padding_idx=${m.paddingIdx}`})`);
  for (const [C, name] of RECURRENT) {
    if (m instanceof C) {
      const extra = m instanceof RNN ? [['nonlinearity', m.nonlinearity, 'tanh'] as const] : [];
      const k = kwargs([
        ['num_layers', m.numLayers, 1],
        ['bias', m.bias, true],
        ['batch_first', m.batchFirst, false],
        ['dropout', m.dropout, 0],
        ['bidirectional', m.bidirectional, false],
        ...extra,
      ]);
      return module(`nn.${name}(${m.inputSize}, ${m.hiddenSize}${k ? `, ${k}` : ''})`);
    }
  }
  const config = configOf(m);
  if (config && config.from === undefined && config.type in ACTIVATIONS && m.constructor.name === config.type)
    return module(ACTIVATIONS[config.type]!(config.args));
  if ((config && config.from === undefined && NO_TWIN.has(config.type)) || (!config && NO_TWIN.has(m.constructor.name))) {
    throw new PytorchExportError(
      `exportPytorch: ${where} has no PyTorch equivalent here. Layers written as PyTorch: Linear, Conv1d, Conv2d, MaxPool1d/2d, ` +
        `AvgPool1d/2d, AdaptiveAvgPool2d, Flatten, Reshape, Dropout, BatchNorm1d/2d, LayerNorm, GroupNorm, Embedding, RNN, LSTM, GRU and ` +
          `the activations ${Object.keys(ACTIVATIONS).join(', ')}; replace the layer or write its PyTorch twin by hand.`,
    );
  }
  return undefined;
}

/**
 * Built-in layers with no `torch.nn` twin written here: tracing through them would drop
 * their training-time behaviour (noise) or name their weights differently, so they are refused.
 */
const NO_TWIN = new Set([
  'GaussianNoise',
  'DropConnect',
  'RMSNorm',
  'InstanceNorm1d',
  'InstanceNorm2d',
  'LocalResponseNorm',
  'GlobalAvgPool',
  'ConvTranspose2d',
  'LocallyConnected1d',
  'LocallyConnected2d',
  'Add',
  'Concat',
  'SwiGLU',
  'MultiheadAttention',
  'TransformerEncoderLayer',
  'TransformerDecoderLayer',
  'TransformerEncoder',
  'TransformerDecoder',
  'Transformer',
  'SinusoidalPositionalEncoding',
  'LearnedPositionalEmbedding',
  'RotaryEmbedding',
  'BahdanauAttention',
  'LuongAttention',
  'Gaussian',
  'RNNCell',
  'LSTMCell',
  'GRUCell',
]);

/** The module's config when it has one (built-in layers do), else undefined. */
function configOf(m: AnyModule): { type: string; args: readonly unknown[]; from?: string } | undefined {
  try {
    return m.getConfig() as { type: string; args: readonly unknown[]; from?: string };
  } catch {
    return undefined;
  }
}
