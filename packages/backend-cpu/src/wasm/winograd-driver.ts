import type { driveGemm, GemmScratch } from './gemm-driver.js';
import type { WasmExports } from './module.js';
import type { WinogradPartArgs } from './parts.js';

/**
 * Runs one Winograd F(2×2, 3×3) part (see winograd-module.ts): for each block of images
 * and tile rows, the input transform of every channel into V (16 matrices C × P, P the
 * block's tiles, C·P + skew floats apart), the 16 products M[ξ] = U[ξ] (O × C) · V[ξ] (`tiled`:
 * one call of the small-channel kernel, wino-products-module.ts; else 16 GEMMs), and the output
 * transform into y; or (`grad`) the filter gradient's sums M[ξ] += Ê[ξ] · V[ξ]ᵀ over the part's
 * tiles.
 * Parts own disjoint images or tile rows (disjoint outputs) and their own scratch.
 * The part's arguments (`WINOGRAD_FIELDS`) are read by name at their word offsets `at`
 * (`PART_OFFSETS.wino`) in the table `a` from word `o` (the kind).
 * Self-contained (no outside names): worker threads get it as source text.
 */
export function driveWinograd(
  fns: WasmExports,
  s: GemmScratch,
  a: Int32Array,
  o: number,
  at: WinogradPartArgs,
  gemm: typeof driveGemm,
): void {
  const [n0, n1, per, ty0, ty1, band] = [a[o + at.n0], a[o + at.n1], a[o + at.per], a[o + at.ty0], a[o + at.ty1], a[o + at.band]];
  const [img, u, y, pad, v, m, e] = [a[o + at.img], a[o + at.u], a[o + at.y], a[o + at.pad], a[o + at.v], a[o + at.m], a[o + at.e]];
  const [C, H, W, O, Ho, Wo] = [a[o + at.C], a[o + at.H], a[o + at.W], a[o + at.O], a[o + at.Ho], a[o + at.Wo]];
  const [pt, pl] = [a[o + at.pt], a[o + at.pl]];
  const [nTx, nTxp, urs, ucs, grad] = [a[o + at.nTx], a[o + at.nTxp], a[o + at.urs], a[o + at.ucs], a[o + at.grad]];
  const [skew, tiled] = [a[o + at.skew], a[o + at.tiled]];
  const Wp = 2 * nTxp + 2;
  let first = true;
  for (let n = n0; n < n1; n += per) {
    const k = Math.min(per, n1 - n);
    for (let ty = ty0; ty < ty1; ty += band) {
      const nTy = Math.min(band, ty1 - ty);
      const tiles = nTy * nTxp;
      const P = k * tiles;
      const [vx, mx] = [C * P + skew, O * P + skew];
      for (let i = 0; i < k; i++) {
        for (let c = 0; c < C; c++) {
          const src = img + 4 * ((n + i) * C + c) * H * W;
          fns.winoIn(src, H, W, pad, Wp, 2 * ty, 2 * nTy + 2, pt, pl, v + 4 * (c * P + i * tiles), vx, nTy, nTxp);
        }
      }
      if (grad === 1) {
        // Filter gradient: M[ξ] (O × C) += Ê[ξ] (O × P) · V[ξ]ᵀ (P × C).
        for (let i = 0; i < k; i++) {
          for (let c = 0; c < O; c++) {
            const src = y + 4 * ((n + i) * O + c) * Ho * Wo;
            fns.winoGrad(src, Ho, Wo, pad, Wp, 2 * ty, 2 * nTy, 0, 0, e + 4 * (c * P + i * tiles), mx, nTy, nTxp);
          }
        }
        if (tiled === 1) fns.winoDot(e, mx, v, vx, m, O, C, P, first ? 1 : 0);
        else {
          for (let xi = 0; xi < 16; xi++)
            gemm(fns, s, O, C, P, e + 4 * xi * mx, P, 1, v + 4 * xi * vx, 1, P, m + 4 * xi * O * C, C, !first);
        }
        first = false;
        continue;
      }
      if (tiled === 1) fns.winoMul(u, v, vx, m, mx, O, C, P);
      else {
        for (let xi = 0; xi < 16; xi++)
          gemm(fns, s, O, P, C, u + 4 * xi * O * C, urs, ucs, v + 4 * xi * vx, P, 1, m + 4 * xi * mx, P, false);
      }
      for (let i = 0; i < k; i++)
        fns.winoOut(m + 4 * i * tiles, mx, P, y + 4 * (n + i) * O * Ho * Wo, Ho, Wo, 2 * ty, nTy, nTxp, nTx, O);
    }
  }
}
