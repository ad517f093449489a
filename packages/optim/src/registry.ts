import type { Parameter } from '@tessera/core';
import { ConfigError } from './errors.js';
import type { BaseGroupOptions, Optimizer, ParamGroupInput } from './optimizer.js';
import { AdaDelta, AdaGrad, Adam, AdamW, RMSProp, SGD } from './optimizers.js';

/** Options of an optimizer found by name: the shared ones plus whatever that optimizer takes. */
export type AnyOptions = BaseGroupOptions;

/** Builds an optimizer from parameters (or groups) and options. */
export type OptimizerFactory = (
  params: Iterable<Parameter> | readonly ParamGroupInput<AnyOptions>[],
  opts?: Record<string, unknown>,
) => Optimizer<AnyOptions>;

const registry = new Map<string, OptimizerFactory>();

/**
 * Registers an optimizer under a (case-insensitive) name for `optimizer(name, …)`.
 * Plugins call this to add theirs; registering an existing name replaces it.
 */
export function registerOptimizer(name: string, factory: OptimizerFactory): void {
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigError('registerOptimizer: name must be a non-empty string.');
  if (typeof factory !== 'function') throw new ConfigError(`registerOptimizer('${name}'): factory must be a function.`);
  registry.set(name.toLowerCase(), factory);
}

/** Names accepted by `optimizer()`. */
export function optimizerNames(): string[] {
  return [...registry.keys()].sort();
}

/**
 * Keras-style construction by name: `optimizer('adam', model.parameters(), { lr: 1e-3 })`.
 * Unknown names throw `ConfigError` listing the known ones.
 */
export function optimizer(
  name: string,
  params: Iterable<Parameter> | readonly ParamGroupInput<AnyOptions>[],
  opts: Record<string, unknown> = {},
): Optimizer<AnyOptions> {
  const f = typeof name === 'string' ? registry.get(name.toLowerCase()) : undefined;
  if (!f)
    throw new ConfigError(
      `optimizer: unknown optimizer '${String(name)}'; known: ${optimizerNames().join(', ')}. Add one with ` +
        `registerOptimizer(name, factory).`,
    );
  return f(params, opts);
}

registerOptimizer('sgd', (p, o) => new SGD(p, o));
registerOptimizer('adam', (p, o) => new Adam(p, o));
registerOptimizer('adamw', (p, o) => new AdamW(p, o));
registerOptimizer('rmsprop', (p, o) => new RMSProp(p, o));
registerOptimizer('adagrad', (p, o) => new AdaGrad(p, o));
registerOptimizer('adadelta', (p, o) => new AdaDelta(p, o));
