import type { driveGemm, GemmScratch } from './gemm-driver.js';
import type { WasmExports } from './module.js';
import type { ConvPartArgs } from './parts.js';

/**
 * Runs one conv part: images n0…n1−1 of a 2-D convolution, output rows r0…r1−1 and output
 * channels o0…o1−1 (of each group) of each,
 * `per` images per GEMM (or, with `per` = 1, bands of `rows` output rows of one image per
 * GEMM), with the part's own
 * im2col buffer `col` (R × columns) and matrix buffer `t` (Og × columns, used only when
 * `per` > 1), so the columns stay in cache and parts never share scratch.
 * - CONV: y[n, g] = W_g · im2col(img[n, g]); one image per GEMM writes y directly.
 * - CONV_FILTER: partial[g] += dy[n, g] · im2col(img[n, g])ᵀ (the part's own dw, zeroed by the caller).
 * - CONV_INPUT: img[n, g] += col2im(W_gᵀ · dy[n, g]) (img is dx, zeroed by the caller).
 * Parts own disjoint images, or (CONV and CONV_FILTER, small batches) disjoint row ranges of
 * one image (disjoint outputs, or their own partial dw), or (CONV, small batches of deep
 * layers) disjoint output-channel ranges, each packing only its rows of W, so they run on
 * any thread in any order with the same result. CONV_INPUT sums over all output channels,
 * so its parts always cover them all. A forward part with `wpk` (filters packed ahead, one
 * group) hands its GEMMs that packed matrix from row o0 instead of packing W's rows again.
 * Self-contained (no outside names, numbers inlined): worker threads get it as source text.
 * `a[o]` is the kind (`PART.CONV`, `PART.CONV_FILTER` or `PART.CONV_INPUT`); the arguments
 * (`CONV_FIELDS`) are read by name at their word offsets `at` (`PART_OFFSETS.conv`).
 */
export function driveConv(fns: WasmExports, s: GemmScratch, a: Int32Array, o: number, at: ConvPartArgs, gemm: typeof driveGemm): void {
  const kind = a[o];
  const [n0, n1, per, rows, r0, r1] = [a[o + at.n0], a[o + at.n1], a[o + at.per], a[o + at.rows], a[o + at.r0], a[o + at.r1]];
  const [img, w, y, partial, col, t] = [a[o + at.img], a[o + at.w], a[o + at.y], a[o + at.partial], a[o + at.col], a[o + at.t]];
  const [C, H, W, O, G] = [a[o + at.C], a[o + at.H], a[o + at.W], a[o + at.O], a[o + at.G]];
  const [kH, kW, Ho, Wo] = [a[o + at.kH], a[o + at.kW], a[o + at.Ho], a[o + at.Wo]];
  const [sh, sw, pt, pl, dh, dw] = [a[o + at.sh], a[o + at.sw], a[o + at.pt], a[o + at.pl], a[o + at.dh], a[o + at.dw]];
  const [o0, o1, wpk, wmp] = [a[o + at.o0], a[o + at.o1], a[o + at.wpk], a[o + at.wmp]];
  const Om = o1 - o0;
  const Cg = C / G;
  const Og = O / G;
  const R = Cg * kH * kW;
  const HW = H * W;
  const HWo = Ho * Wo;
  // A pointwise conv (1×1, stride 1, no padding): one image's im2col is the image band itself
  // (C rows of stride H·W), so its GEMM reads and writes the planes in place.
  const pointwise = kH === 1 && kW === 1 && sh === 1 && sw === 1 && Ho === H && Wo === W;
  for (let n = n0; n < n1; n += per) {
    const m = Math.min(per, n1 - n);
    for (let oh0 = r0; oh0 < r1; oh0 += rows) {
      const nOh = Math.min(rows, r1 - oh0);
      const band = nOh * Wo;
      const cols = m * band;
      for (let g = 0; g < G; g++) {
        // (No inner functions here: a bundler's name helpers would not exist in the worker.)
        const wg = w + 4 * (g * Og + o0) * R;
        const dwg = partial + 4 * (g * Og + o0) * R;
        const img0 = img + 4 * (n * C + g * Cg) * HW;
        const y0 = y + 4 * ((n * O + g * Og + o0) * HWo + oh0 * Wo);
        const imgStep = 4 * C * HW;
        const yStep = 4 * O * HWo;
        const im = kind === 3 /* PART.CONV_INPUT */ ? fns.col2im : fns.im2col;
        if (pointwise && m === 1) {
          const px = img0 + 4 * oh0 * W;
          if (kind === 1 /* PART.CONV */ && wpk !== 0) gemm(fns, s, Om, band, R, wpk, wmp, o0, px, HW, 1, y0, HWo, false, true);
          else if (kind === 1 /* PART.CONV */) gemm(fns, s, Om, band, R, wg, R, 1, px, HW, 1, y0, HWo, false);
          else if (kind === 2 /* PART.CONV_FILTER */) gemm(fns, s, Om, R, band, y0, HWo, 1, px, 1, HW, dwg, R, true);
          else gemm(fns, s, R, band, Om, wg, 1, R, y0, HWo, 1, px, HW, true);
          continue;
        }
        if (kind !== 3 /* PART.CONV_INPUT */) {
          for (let i = 0; i < m; i++) {
            im(img0 + i * imgStep, col + 4 * i * band, cols, Cg, H, W, kH, kW, Wo, sh, sw, pt, pl, dh, dw, oh0, nOh);
          }
        }
        if (kind === 1 /* PART.CONV */) {
          // One image's GEMM writes y directly; several go through t, then to their planes.
          const [dst, ldd] = m === 1 ? [y0, HWo] : [t, cols];
          if (wpk !== 0) gemm(fns, s, Om, cols, R, wpk, wmp, o0, col, cols, 1, dst, ldd, false, true);
          else gemm(fns, s, Om, cols, R, wg, R, 1, col, cols, 1, dst, ldd, false);
          for (let i = 0; i < m && m > 1; i++) fns.copy2d(t + 4 * i * band, cols, y0 + i * yStep, HWo, Om, band);
          continue;
        }
        // dy of this block as one Og × cols matrix: in place for one image, else gathered into t.
        let dy = y0;
        let ld = HWo;
        if (m > 1) {
          for (let i = 0; i < m; i++) fns.copy2d(y0 + i * yStep, HWo, t + 4 * i * band, cols, Om, band);
          dy = t;
          ld = cols;
        }
        if (kind === 2 /* PART.CONV_FILTER */) {
          gemm(fns, s, Om, R, cols, dy, ld, 1, col, 1, cols, dwg, R, true);
        } else {
          gemm(fns, s, R, cols, Om, wg, 1, R, dy, ld, 1, col, cols, false);
          for (let i = 0; i < m; i++) {
            im(img0 + i * imgStep, col + 4 * i * band, cols, Cg, H, W, kH, kW, Wo, sh, sw, pt, pl, dh, dw, oh0, nOh);
          }
        }
      }
    }
  }
}
