import type { Kernel, PrimitiveAttrs, TypedArray } from '@tessera/core';
import { scratch } from './scratch.js';
import { alloc, valuesOf, wrap } from './storage.js';

/** Block sizes of `gemmAcc`: a KB×NB block of B (256 KiB of doubles) stays in L2. */
const KB = 128;
const NB = 256;

/**
 * C += A·B on row-major Float64 views: A is M×K (row stride lda), B is K×N (ldb),
 * C is M×N (ldc). Loop order i-k-j (the inner loop streams a row of B into a row of C),
 * blocked over k and j, with k unrolled by 4. No allocation.
 */
export function gemmAcc(
  M: number,
  N: number,
  K: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let j0 = 0; j0 < N; j0 += NB) {
    const j1 = Math.min(N, j0 + NB);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const k1 = Math.min(K, k0 + KB);
      for (let i = 0; i < M; i++) {
        const ci = cOff + i * ldc;
        const ai = aOff + i * lda;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const a0 = a[ai + k];
          const a1 = a[ai + k + 1];
          const a2 = a[ai + k + 2];
          const a3 = a[ai + k + 3];
          const b0 = bOff + k * ldb;
          const b1 = b0 + ldb;
          const b2 = b1 + ldb;
          const b3 = b2 + ldb;
          for (let j = j0; j < j1; j++) {
            c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
          }
        }
        for (; k < k1; k++) {
          const av = a[ai + k];
          const bk = bOff + k * ldb;
          for (let j = j0; j < j1; j++) c[ci + j] += av * b[bk + j];
        }
      }
    }
  }
}

/** Tile edge of the blocked transpose in `packMatrix`. */
const TILE = 32;

/**
 * Writes a rows×cols row-major Float64 copy into dst[dstOff…]. The source holds that
 * matrix at srcOff, row-major with row stride `ld`, or — if `transposed` — its
 * transpose (cols×rows, row stride `ld`), which is read in cache-sized tiles.
 */
export function packMatrix(
  src: TypedArray,
  srcOff: number,
  rows: number,
  cols: number,
  ld: number,
  transposed: boolean,
  dst: Float64Array,
  dstOff: number,
): void {
  if (!transposed) {
    for (let r = 0; r < rows; r++) {
      const s = srcOff + r * ld;
      const d = dstOff + r * cols;
      for (let c = 0; c < cols; c++) dst[d + c] = src[s + c];
    }
    return;
  }
  // dst[r][c] = src[c][r]
  for (let c0 = 0; c0 < cols; c0 += TILE) {
    const c1 = Math.min(cols, c0 + TILE);
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let c = c0; c < c1; c++) {
        const s = srcOff + c * ld;
        for (let r = r0; r < r1; r++) dst[dstOff + r * cols + c] = src[s + r];
      }
    }
  }
}

/**
 * Batched matmul. Each operand is packed into a contiguous Float64 scratch (transposed
 * operands are transposed while packing, so all four transpose combinations run the
 * same i-k-j loop) and a broadcast batch operand is packed once. Accumulates in doubles;
 * int32 results are exact while |sums| < 2^53 and then wrap to 32 bits on store.
 */
export const matmul: Kernel<PrimitiveAttrs['matmul']> = ({ inputs: [a, b], attrs, out }) => {
  const { transposeA, transposeB } = attrs;
  const [Ba, a1, a2] = a.shape;
  const [Bb, b1, b2] = b.shape;
  const M = transposeA ? a2 : a1;
  const K = transposeA ? a1 : a2;
  const N = transposeB ? b1 : b2;
  const batch = Math.max(Ba, Bb);
  const av = valuesOf(a);
  const bv = valuesOf(b);
  const y = alloc(out.dtype, out.size);
  if (y.length === 0) return wrap(y);
  const pa = scratch('matmulA', M * K);
  const pb = scratch('matmulB', K * N);
  const direct = y instanceof Float64Array;
  const pc = direct ? y : scratch('matmulC', M * N);
  for (let t = 0; t < batch; t++) {
    if (t === 0 || Ba > 1) packMatrix(av, (Ba > 1 ? t : 0) * M * K, M, K, transposeA ? M : K, transposeA, pa, 0);
    if (t === 0 || Bb > 1) packMatrix(bv, (Bb > 1 ? t : 0) * K * N, K, N, transposeB ? K : N, transposeB, pb, 0);
    const cOff = direct ? t * M * N : 0;
    pc.fill(0, cOff, cOff + M * N);
    gemmAcc(M, N, K, pa, 0, K, pb, 0, N, pc, cOff, N);
    if (!direct) y.set(pc.subarray(0, M * N), t * M * N);
  }
  return wrap(y);
};
