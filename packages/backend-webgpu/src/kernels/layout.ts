/**
 * Simplifies a strided index space before a kernel is chosen: axes of size 1 are
 * dropped and neighbouring axes merged where every operand walks them contiguously, so
 * same-shape and scalar operands become rank ≤ 1 and `[N, C, H, W] ⊕ [1, C, 1, 1]`
 * becomes rank 3. Fewer axes mean fewer pipelines and less index arithmetic.
 */
export interface Coalesced {
  readonly shape: number[];
  /** Per operand, its strides over `shape`. */
  readonly strides: number[][];
}

/** Coalesces `shape` with the operands' `strides` (same length as `shape`). */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < strides.length; k++) merge = st[k][last] === strides[k][d] * size;
    if (merge) {
      dims[last] *= size;
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][d];
    } else {
      dims.push(size);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][d]);
    }
  }
  return { shape: dims, strides: st };
}
