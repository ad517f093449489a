import type { GemmExports } from './gemm-module.js';

/** One thread's packing buffers in wasm memory (byte addresses). */
export interface GemmScratch {
  readonly tmp: number;
  readonly ap: number;
  readonly bp: number;
}

/** Floats of packing scratch one thread needs (tmp tile, an MC×KC block of A, a KC×NC block of B, each 16-byte aligned). */
export const SCRATCH_FLOATS = { tmp: 6 * 8, ap: 120 * 256, bp: 256 * 2048 } as const;

/**
 * C (+)= A·B for A M×K and B K×N with any strides (A[r, k] at byte `a + 4·(r·ars + k·acs)`),
 * C row-major with row stride `ldc` elements at byte address `c`: packs B in KC×NC blocks
 * and A in MC×KC blocks, then runs the register-tiled macro-kernel. Requires M, N, K ≥ 1.
 * With `packedA`, A is already packed (`packWhole`: weights prepared once for many calls):
 * `a` is the whole packed matrix, `ars` its padded row count and `acs` the first row of A
 * in it (a multiple of the register tile's rows), and no A block is packed here.
 *
 * Self-contained on purpose (no outside names, numbers inlined): worker threads run this
 * very function, shipped to them as source text by `Function.prototype.toString`.
 */
export function driveGemm(
  fns: GemmExports,
  s: GemmScratch,
  M: number,
  N: number,
  K: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  brs: number,
  bcs: number,
  c: number,
  ldc: number,
  accumulate: boolean,
  packedA = false,
): void {
  // Cache blocks: a KC×NR panel of B (8 KiB) stays in L1, an MC×KC block of A (120 KiB) in L2.
  const KC = 256;
  const MC = 120;
  const NC = 2048;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      // B's block as an nc×kc matrix (its transpose), packed in panels of NR columns.
      fns.packB(b + 4 * (pc * brs + jc * bcs), bcs, brs, nc, kc, s.bp);
      const acc = accumulate || pc > 0 ? 1 : 0;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        let ap = s.ap;
        if (packedA) ap = a + 4 * (pc * ars + (acs + ic) * kc);
        else fns.packA(a + 4 * (ic * ars + pc * acs), ars, acs, mc, kc, s.ap);
        fns.macro(mc, nc, kc, ap, s.bp, c + 4 * (ic * ldc + jc), ldc, acc, s.tmp);
      }
    }
  }
}

/**
 * Packs all of A (M×K, strides `ars`, `acs` in elements, at byte address `a`) the way
 * `driveGemm` packs its A blocks, block after KC-block, into `dst` (`packedFloats(M, K, mr)`
 * floats) for `driveGemm`'s `packedA` mode: block pc (rows padded to `mr`, Mp of them) at
 * float pc·Mp, row r's panel at r·kc within it. Self-contained like `driveGemm`.
 */
export function packWhole(fns: GemmExports, M: number, K: number, a: number, ars: number, acs: number, dst: number, mr: number): void {
  const KC = 256;
  const Mp = Math.ceil(M / mr) * mr;
  for (let pc = 0; pc < K; pc += KC) fns.packA(a + 4 * pc * acs, ars, acs, M, Math.min(KC, K - pc), dst + 4 * pc * Mp);
}
