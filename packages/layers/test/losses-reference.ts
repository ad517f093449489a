// Plain-number references for the loss tests: each formula written out on JS arrays.
import { type Tensor, tensor } from '@tessera/core';

/** A float64 tensor (the tests compare against double-precision hand values). */
export const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'float64', shape: shape ?? [v.length] });
/** A float64 leaf that requires grad. */
export const leaf = (v: number[], shape?: number[]): Tensor => f64(v, shape).requiresGrad_();
/** int32 class indices. */
export const i32 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'int32', shape: shape ?? [v.length] });

/** Reads a tensor's values and disposes it. */
export function read(t: Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** The three reductions of per-element losses (mean over `denominator` when given). */
export function reduced(per: number[], denominator = per.length): { none: number[]; sum: number; mean: number } {
  const sum = per.reduce((a, b) => a + b, 0);
  return { none: per, sum, mean: sum / denominator };
}

/** log-softmax of one row. */
export function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
