import type { TypedArray } from '@tessera/core';

/**
 * Called once per innermost row of a strided walk. `offsets[k]` is operand k's offset of
 * the row's first element and `inner[k]` its stride along the row. Both arrays are reused
 * between calls: read them, do not keep them.
 */
export type RowBody = (offsets: readonly number[], len: number, inner: readonly number[]) => void;

/**
 * Walks `shape` in row-major order for several strided operands at once, calling `body`
 * once per innermost row. Axes of size 1 are dropped and adjacent axes that are
 * contiguous for every operand are merged first, so same-shape and scalar-broadcast
 * walks become a single row and e.g. `[N, C, H, W] ⊕ [1, C, 1, 1]` has rows of H·W.
 *
 * @param shape - The index space (usually the output shape).
 * @param strides - Per operand, its stride for each axis of `shape` (0 = broadcast).
 * @param offsets - Per operand, the offset of element [0, …, 0].
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  body: RowBody,
): void {
  const nOps = strides.length;
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 0) return;
    if (size === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < nOps; k++) merge = st[k][last] === strides[k][d] * size;
    if (merge) {
      dims[last] *= size;
      for (let k = 0; k < nOps; k++) st[k][last] = strides[k][d];
    } else {
      dims.push(size);
      for (let k = 0; k < nOps; k++) st[k].push(strides[k][d]);
    }
  }
  const offs = offsets.slice();
  const rank = dims.length;
  if (rank === 0) {
    body(offs, 1, new Array<number>(nOps).fill(0));
    return;
  }
  const len = dims[rank - 1];
  const inner = st.map((s) => s[rank - 1]);
  const outerRank = rank - 1;
  let rows = 1;
  for (let d = 0; d < outerRank; d++) rows *= dims[d];
  const idx = new Array<number>(outerRank).fill(0);
  for (let r = 0; r < rows; r++) {
    body(offs, len, inner);
    // Odometer step over the outer axes.
    for (let d = outerRank - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) {
        for (let k = 0; k < nOps; k++) offs[k] += st[k][d];
        break;
      }
      idx[d] = 0;
      for (let k = 0; k < nOps; k++) offs[k] -= st[k][d] * (dims[d] - 1);
    }
  }
}

/**
 * Copies a strided view of `src` into a strided view of `dst` (same element type) over
 * `shape`. Every movement kernel is this copy with different offsets and strides.
 */
export function copyStrided(
  shape: readonly number[],
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  forEachRow(shape, [dstStrides, srcStrides], [dstOffset, srcOffset], (offs, len, inner) => {
    let d = offs[0];
    let s = offs[1];
    const ds = inner[0];
    const ss = inner[1];
    if (ds === 1 && ss === 1 && len > 16) {
      dst.set(src.subarray(s, s + len), d);
      return;
    }
    for (let j = 0; j < len; j++) {
      dst[d] = src[s];
      d += ds;
      s += ss;
    }
  });
}
