import type { DType } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { SymbolicTensor } from '../symbolic.js';

/** Options of `input()`. */
export interface InputOptions {
  /**
   * Shape of one example, without the batch axis (Keras' convention): `[784]`, or
   * `[1, 28, 28]`. `null` marks an axis whose size may change between calls (a sequence
   * length); shapes are inferred with size 1 there.
   */
  readonly shape: readonly (number | null)[];
  /** Element type; default float32. */
  readonly dtype?: DType;
  /** Name used in error messages (`input 'image' expects …`); default: its position. */
  readonly name?: string;
}

/**
 * A model input for the functional API (Keras' `Input`): a symbolic tensor of shape
 * `[batch, ...shape]` that layers are applied to with `layer.apply(x)`, and that
 * `model({ inputs, outputs })` turns into a `GraphModel`.
 *
 * @example
 * const x = input({ shape: [784], name: 'pixels' });
 * const y = new Linear(128, 10).apply(new ReLU().apply(new Linear(784, 128).apply(x)));
 * const net = model({ inputs: x, outputs: y });
 */
export function input(opts: InputOptions): SymbolicTensor {
  const shape = opts.shape;
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new LayerConfigError(
      `input${opts.name ? ` '${opts.name}'` : ''}: shape must list non-negative integers (or null for a variable axis), without the ` +
        `batch axis, but is ${JSON.stringify(shape)}.`,
    );
  }
  return new SymbolicTensor([null, ...shape], opts.dtype ?? 'float32', null, opts.name ?? null);
}
