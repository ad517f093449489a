import { type Tensor, tidy } from '@tessera/core';
import { type ModuleConfig, configJson } from '../config/record.js';
import { ModuleConfigError } from '../errors.js';
import { positive } from '../layers/common.js';
import { type AnyModule, Module } from '../module.js';
import type { Layer } from '../sequential.js';
import { type TransformerDecoderCallOptions, TransformerDecoderLayer } from './decoder-layer.js';
import { type TransformerEncoderLayerCallOptions, TransformerEncoderLayer } from './encoder-layer.js';

/** Options of `TransformerEncoder` and `TransformerDecoder`. */
export interface TransformerStackOptions {
  /** Applied to the last layer's output (PyTorch's `norm=`; nn.Transformer passes a LayerNorm), default none. */
  readonly norm?: Layer;
}

/** `numLayers` copies of `layer` (PyTorch deep-copies it: every copy starts with its weights). */
function copies<L extends { clone(): L }>(stack: string, layer: L, numLayers: number): L[] {
  positive(stack, 'numLayers', numLayers);
  return Array.from({ length: numLayers }, () => layer.clone());
}

/**
 * The stack's config, `[layer config, numLayers, { norm? }]`, or the parent's answer for a
 * subclass (which must describe itself).
 */
function stackConfig(stack: AnyModule, type: string, owner: object, layers: readonly AnyModule[], norm: Layer | null): ModuleConfig {
  if (Object.getPrototypeOf(stack) !== (owner as { prototype: object }).prototype) return Module.prototype.getConfig.call(stack);
  return { type, args: [configJson(layers[0].getConfig()), layers.length, norm ? { norm: configJson(norm.getConfig()) } : {}] };
}

/**
 * A stack of `numLayers` encoder layers, each a copy of `layer` (PyTorch's
 * `nn.TransformerEncoder`: sub-modules `layers.0`, `layers.1`, … and `norm`), with an
 * optional norm after the last. The masks go to every layer.
 *
 * @example
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(64, 4, { batchFirst: true }), 6, { norm: new LayerNorm(64) });
 * const memory = encoder.call(src, { srcKeyPaddingMask: pad }); // [N, S, 64]
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderLayerCallOptions?], Tensor> {
  readonly layers: TransformerEncoderLayer[];
  readonly norm: Layer | null;

  constructor(layer: TransformerEncoderLayer, readonly numLayers: number, opts: TransformerStackOptions = {}) {
    super();
    this.layers = copies('TransformerEncoder', layer, numLayers);
    this.norm = opts.norm ?? null;
  }

  /** `src` as the layer takes it; `srcMask` is PyTorch's `mask`. */
  forward(src: Tensor, opts: TransformerEncoderLayerCallOptions = {}): Tensor {
    return tidy(() => {
      const out = this.layers.reduce((x, layer) => layer.call(x, opts), src);
      return this.norm ? this.norm.call(out) : out;
    });
  }

  /** `{ type: 'TransformerEncoder', args: [layer config, numLayers, { norm: config }] }`. */
  override getConfig(): ModuleConfig {
    return stackConfig(this, 'TransformerEncoder', TransformerEncoder, this.layers, this.norm);
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}

/**
 * A stack of `numLayers` decoder layers, each a copy of `layer` (PyTorch's
 * `nn.TransformerDecoder`: `layers.0`, … and `norm`), each attending to the same memory,
 * with an optional norm after the last.
 *
 * @example
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(64, 4), 6);
 * const y = decoder.call(tgt, memory, { tgtIsCausal: true }); // [T, N, 64]
 */
export class TransformerDecoder extends Module<[Tensor, Tensor, TransformerDecoderCallOptions?], Tensor> {
  readonly layers: TransformerDecoderLayer[];
  readonly norm: Layer | null;

  constructor(layer: TransformerDecoderLayer, readonly numLayers: number, opts: TransformerStackOptions = {}) {
    super();
    this.layers = copies('TransformerDecoder', layer, numLayers);
    this.norm = opts.norm ?? null;
  }

  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderCallOptions = {}): Tensor {
    return tidy(() => {
      const out = this.layers.reduce((x, layer) => layer.call(x, memory, opts), tgt);
      return this.norm ? this.norm.call(out) : out;
    });
  }

  /** `{ type: 'TransformerDecoder', args: [layer config, numLayers, { norm: config }] }`. */
  override getConfig(): ModuleConfig {
    return stackConfig(this, 'TransformerDecoder', TransformerDecoder, this.layers, this.norm);
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}

/** Rebuilds a stack from `[layer config, numLayers, { norm? }]` (for the config registry). */
export function stackFromConfig(
  kind: 'encoder' | 'decoder',
  args: readonly unknown[],
  build: (config: unknown, path: string) => AnyModule,
  path: string,
): AnyModule {
  const [layerConfig, numLayers, opts] = args;
  const layer = build(layerConfig, `${path}[0]`);
  const norm =
    opts !== null && typeof opts === 'object' && 'norm' in opts
      ? (build((opts as { norm: unknown }).norm, `${path}[2].norm`) as Layer)
      : undefined;
  if (typeof numLayers !== 'number')
    throw new ModuleConfigError(`${path}[1] must be the number of layers but is ${JSON.stringify(numLayers)}.`);
  let stack: AnyModule;
  if (kind === 'encoder') {
    if (!(layer instanceof TransformerEncoderLayer))
      throw new ModuleConfigError(`${path}[0] must describe a TransformerEncoderLayer but is a ${layer.typeName}.`);
    stack = new TransformerEncoder(layer, numLayers, { norm });
  } else {
    if (!(layer instanceof TransformerDecoderLayer))
      throw new ModuleConfigError(`${path}[0] must describe a TransformerDecoderLayer but is a ${layer.typeName}.`);
    stack = new TransformerDecoder(layer, numLayers, { norm });
  }
  layer.dispose(); // the stack holds copies
  return stack;
}
