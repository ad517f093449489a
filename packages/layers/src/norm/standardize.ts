import type { Tensor } from '@tessera/core';
import { expectFloat, expectShape } from '../check.js';
import type { FloatDType } from '../init.js';
import { expectDType } from './config.js';

/**
 * (x − mean) / √(var + eps) over `axes`, with the biased variance: the shared step of
 * LayerNorm, GroupNorm and InstanceNorm (call it inside a tidy).
 */
export function standardize(x: Tensor, axes: readonly number[], eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const mean = x.mean([...axes], true);
  const centered = x.sub(mean);
  const variance = centered.square().mean([...axes], true);
  return { y: centered.mul(variance.add(eps).rsqrt()), mean, variance };
}

/**
 * Checks the input of a norm over the trailing `normalizedShape` (LayerNorm, RMSNorm):
 * floating point, the layer's dtype, any leading axes then exactly that shape. Returns
 * the normalised axes.
 */
export function trailingAxes(label: string, layer: string, x: Tensor, normalizedShape: readonly number[], dtype: FloatDType): number[] {
  const k = normalizedShape.length;
  expectFloat(label, x);
  expectShape(label, x, [[...new Array<string>(Math.max(x.rank - k, 1)).fill('*'), ...normalizedShape]],
    `${layer} normalises the last ${k} ${k === 1 ? 'axis' : 'axes'}; build it with the input's trailing shape.`);
  expectDType(label, x, dtype);
  return normalizedShape.map((_, i) => x.rank - k + i);
}

/** A normalizedShape argument as a checked list of sizes. */
export function normalizedShapeOf(
  layer: string,
  normalizedShape: number | readonly number[],
  check: (layer: string, option: string, v: number) => number,
): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  shape.forEach((d, i) => check(layer, `normalizedShape[${i}]`, d));
  return shape;
}
