import { ConfigError } from '@tessera/core';
import type { Layer } from '@tessera/layers';
import { BUILTIN_MODELS } from './catalog/builtin.js';

/** Image shape `[C, H, W]`. */
export type ImageShape = readonly [channels: number, height: number, width: number];

/** What a registered model is built for. */
export interface ModelBuildOptions {
  /** Number of output classes. */
  readonly numClasses: number;
  /** Shape `[C, H, W]` of the images it will see. */
  readonly inputShape: ImageShape;
}

/**
 * A model that tools (the `tessera` CLI, the playground, the benchmarks) can build by name:
 * register one with `registerModel` and it appears in `tessera train --help` and
 * `tessera info`.
 */
export interface ModelDescriptor {
  /** Name for `--model` (lowercase, e.g. `'resnet20'`). */
  readonly name: string;
  /** One line: the architecture, for help texts. */
  readonly description: string;
  /** Input `[C, H, W]` the model is made for; undefined when it takes any size (the MLP flattens). */
  readonly inputShape?: ImageShape;
  /** The package that registered it (default `'@tessera/models'`). */
  readonly package?: string;
  /** Builds a freshly initialised model (uses the global seeded generator). */
  build(opts: ModelBuildOptions): Layer;
}

const registry = new Map<string, ModelDescriptor>();

function checkShape(name: string, s: ImageShape | undefined): void {
  if (s === undefined) return;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(`registerModel('${name}'): inputShape must be [C, H, W] of positive integers; got ${JSON.stringify(s)}.`);
  }
}

/**
 * Registers a model under its (case-insensitive) name; registering an existing name
 * replaces it. Plugins call this from their own `register()` function.
 *
 * @example
 * registerModel({ name: 'tiny-mlp', description: 'C·H·W → 32 → classes', package: 'my-plugin',
 *   build: ({ numClasses, inputShape: [c, h, w] }) => mlp({ inFeatures: c * h * w, hidden: [32], outFeatures: numClasses }) });
 */
export function registerModel(model: ModelDescriptor): void {
  const name = typeof model?.name === 'string' ? model.name.trim() : '';
  if (name === '') throw new ConfigError('registerModel: the model needs a non-empty name.');
  if (typeof model.build !== 'function')
    throw new ConfigError(`registerModel('${name}'): build must be a function ({ numClasses, inputShape }) => Layer.`);
  if (typeof model.description !== 'string') throw new ConfigError(`registerModel('${name}'): description must be a string.`);
  checkShape(name, model.inputShape);
  registry.set(name.toLowerCase(), { ...model, name: name.toLowerCase(), package: model.package ?? '@tessera/models' });
}

/** Names of the registered models, in registration order (the built-ins first; a replaced name keeps its place). */
export function modelNames(): string[] {
  return [...registry.keys()];
}

/** Every registered model, in registration order. */
export function modelDescriptors(): ModelDescriptor[] {
  return modelNames().map((n) => registry.get(n)!);
}

/** The model registered under `name`; unknown names throw `ConfigError` listing the known ones. */
export function modelDescriptor(name: string): ModelDescriptor {
  const m = typeof name === 'string' ? registry.get(name.toLowerCase()) : undefined;
  if (!m) throw new ConfigError(`unknown model '${String(name)}'; known models: ${modelNames().join(', ')}. Add one with registerModel({ ` +
    `name, description, build }).`);
  return m;
}

/**
 * Builds the model registered under `name` for `numClasses` outputs on `inputShape`
 * images; a model made for another input shape throws `ConfigError` naming both.
 */
export function buildModel(name: string, opts: ModelBuildOptions): Layer {
  const m = modelDescriptor(name);
  const want = m.inputShape;
  if (want && want.some((d, i) => d !== opts.inputShape[i])) {
    throw new ConfigError(
      `model '${m.name}' expects ${want.join('×')} images (C×H×W) but got ${opts.inputShape.join('×')}; choose a model made for this ` +
        `input (${modelNames().join(', ')}).`,
    );
  }
  return m.build(opts);
}

for (const m of BUILTIN_MODELS) registerModel(m);
