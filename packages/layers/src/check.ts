import { DTypeError, ShapeError, type Tensor, fmtShape } from '@tessera/core';

/** One allowed input layout: numbers must match exactly, strings (axis names) match anything. */
export type ShapePattern = readonly (number | string)[];

function fits(shape: readonly number[], p: ShapePattern): boolean {
  return shape.length === p.length && p.every((d, i) => typeof d === 'string' || d === shape[i]);
}

const show = (p: ShapePattern): string => `[${p.join(', ')}]`;

/**
 * Checks a layer's input against one or more layouts and throws a `ShapeError` that names
 * the layer, the expected layout(s) and the actual shape.
 *
 * @example
 * expectShape('Conv2d(3→16)', x, [['N', 3, 'H', 'W']]);
 * // ShapeError: Conv2d(3→16): expected input of shape [N, 3, H, W] but got [2, 1, 28, 28].
 */
export function expectShape(layer: string, x: Tensor, patterns: readonly ShapePattern[], hint = ''): void {
  if (patterns.some((p) => fits(x.shape, p))) return;
  const want = patterns.map(show).join(' or ');
  throw new ShapeError(`${layer}: expected input of shape ${want} but got ${fmtShape(x.shape)}.${hint ? ` ${hint}` : ''}`);
}

/** Throws a ShapeError unless x is floating point (layers compute in float32/float64). */
export function expectFloat(layer: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${layer}: expected a float32 or float64 input but got ${x.dtype}; cast it with .cast('float32').`);
  }
}
