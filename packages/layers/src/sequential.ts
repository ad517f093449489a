import type { Tensor } from '@tessera/core';
import { type ModuleConfig, configJson, recordedConfig } from './config/record.js';
import { LayerConfigError, ModuleConfigError } from './errors.js';
import { type AnyModule, type Member, Module } from './module.js';

/** A layer that maps one tensor to one tensor (what `Sequential` chains). */
export type Layer = Module<[Tensor], Tensor>;

/**
 * Layers applied in order (PyTorch's `nn.Sequential`, Keras' `Sequential`). Layers are
 * named `0`, `1`, … (so weights are `0.weight`, as in PyTorch), or by the keys of an
 * object passed instead.
 *
 * @example
 * const mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const conv = new Sequential({ conv1: new Conv2d(1, 6, 5), act: new ReLU() });
 */
export class Sequential extends Module {
  private readonly entries: [string, Layer][] = [];

  constructor(...layers: Layer[] | [Record<string, Layer>]) {
    super();
    const first = layers[0];
    if (layers.length === 1 && first !== undefined && !(first instanceof Module)) {
      for (const [k, l] of Object.entries(first)) this.add(l, k);
    } else {
      for (const l of layers as Layer[]) this.add(l);
    }
  }

  /** Appends a layer (named by its index unless a name is given). Returns this. */
  add(layer: Layer, name?: string): this {
    if (!(layer instanceof Module)) throw new LayerConfigError(`Sequential.add: expected a module but got ${String(layer)}.`);
    const key = name ?? String(this.entries.length);
    if (this.entries.some(([k]) => k === key)) throw new LayerConfigError(`Sequential.add: a layer named '${key}' already exists.`);
    this.entries.push([key, layer]);
    return this;
  }

  /** Number of layers. */
  get length(): number {
    return this.entries.length;
  }

  /** The layer at index i (negative counts from the end). */
  at(i: number): Layer | undefined {
    return this.entries.at(i)?.[1];
  }

  /** The layers in order. */
  get layers(): Layer[] {
    return this.entries.map(([, l]) => l);
  }

  override *ownMembers(): Generator<[string, Member]> {
    for (const e of this.entries) yield e as [string, AnyModule];
  }

  /**
   * `{ type: 'Sequential', args: [[['0', config], ['1', config], …]] }`: each layer's name
   * and config, in order (names kept, so weights keep their keys). A layer that cannot
   * describe itself makes this throw, naming the layer.
   */
  override getConfig(): ModuleConfig {
    const own = recordedConfig(this);
    if (own !== undefined) return own;
    if (this.constructor !== Sequential) return super.getConfig();
    const layers = this.entries.map(([k, l]) => {
      try {
        return [k, l.getConfig()] as const;
      } catch (e) {
        if (e instanceof ModuleConfigError) e.message = `Sequential layer '${k}': ${e.message}`;
        throw e;
      }
    });
    return { type: 'Sequential', args: [layers.map(([k, c]) => [k, configJson(c)])] };
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const [, l] of this.entries) y = l.call(y);
    return y;
  }
}
