import { ConfigError } from '@tessera/core';

/**
 * A model factory got options it cannot build: a `ConfigError` that also names the model
 * (`model`). The message names the model, the option and what to pass instead.
 */
export class ModelConfigError extends ConfigError {
  constructor(
    /** The model whose options are wrong (`'resnet'`, `'vgg'`, …). */
    readonly model: string,
    problem: string,
    fix: string,
  ) {
    super(`${model}: ${problem}. ${fix}`);
  }
}

/** Throws a ModelConfigError unless n is a positive integer. */
export function positiveInt(model: string, option: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0)
    throw new ModelConfigError(model, `option '${option}' is ${n}`, `Pass a positive integer for '${option}'.`);
}
