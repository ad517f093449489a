import type { Conv2dAttrs, Kernel, PrimitiveAttrs, TypedArray } from '@tessera/core';
import { gemmAcc, packMatrix } from './matmul.js';
import { scratch } from './scratch.js';
import { alloc, valuesOf, wrap } from './storage.js';

/** Most doubles one im2col chunk may hold (32 MiB); larger images are done in row bands. */
const COL_LIMIT = 1 << 22;

/** Sizes of one conv2d problem, derived from the input, filter and output shapes. */
export interface ConvGeom {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly kH: number;
  readonly kW: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly G: number;
  /** Channels per group (input, output) and rows of the im2col matrix (Cg·kH·kW). */
  readonly Cg: number;
  readonly Og: number;
  readonly R: number;
  readonly sh: number;
  readonly sw: number;
  readonly pt: number;
  readonly pl: number;
  readonly dh: number;
  readonly dw: number;
  /** Output rows per im2col band. */
  readonly band: number;
}

/** The geometry of a conv2d problem from input, filter and output shapes. */
export function geometry(x: readonly number[], w: readonly number[], y: readonly number[], a: Conv2dAttrs): ConvGeom {
  const [N, C, H, W] = x;
  const [O, Cg, kH, kW] = w;
  const [, , Ho, Wo] = y;
  const R = Cg * kH * kW;
  const band = Math.max(1, Math.min(Ho, Math.floor(COL_LIMIT / Math.max(1, R * Wo))));
  return {
    N, C, H, W, O, kH, kW, Ho, Wo, G: a.groups, Cg, Og: O / a.groups, R,
    sh: a.strides[0], sw: a.strides[1], pt: a.pads[0], pl: a.pads[2],
    dh: a.dilations[0], dw: a.dilations[1], band,
  };
}

/**
 * im2col for output rows oh0..oh0+nOh−1 of one group: col[colOff + r·ld + l] (R rows,
 * nOh·Wo columns, row stride `ld`) is the input pixel under filter tap
 * r = (c·kH + ki)·kW + kj at output position l, 0 in the padding. With `scatter`, runs
 * the exact adjoint instead (col2im): img[pixel] += col[…].
 */
function im2col(
  scatter: boolean,
  img: TypedArray,
  imgOff: number,
  g: ConvGeom,
  oh0: number,
  nOh: number,
  col: Float32Array | Float64Array,
  colOff = 0,
  ld = nOh * g.Wo,
): void {
  const { H, W, kH, kW, Wo, sh, sw, pt, pl, dh, dw } = g;
  for (let c = 0; c < g.Cg; c++) {
    const plane = imgOff + c * H * W;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const rowOff = colOff + ((c * kH + ki) * kW + kj) * ld;
        // iw = ow·sw + shift must lie in [0, W).
        const shift = kj * dw - pl;
        const ow0 = Math.min(Wo, Math.max(0, Math.ceil(-shift / sw)));
        const ow1 = Math.max(ow0, Math.min(Wo, Math.floor((W - 1 - shift) / sw) + 1));
        for (let t = 0; t < nOh; t++) {
          const d = rowOff + t * Wo;
          const ih = (oh0 + t) * sh - pt + ki * dh;
          if (ih < 0 || ih >= H) {
            if (!scatter) col.fill(0, d, d + Wo);
            continue;
          }
          const src = plane + ih * W + shift;
          if (scatter) {
            for (let ow = ow0; ow < ow1; ow++) img[src + ow * sw] += col[d + ow];
          } else {
            col.fill(0, d, d + ow0);
            for (let ow = ow0; ow < ow1; ow++) col[d + ow] = img[src + ow * sw];
            col.fill(0, d + ow1, d + Wo);
          }
        }
      }
    }
  }
}

/** Calls `fn(oh0, nOh)` for each band of output rows. */
function forEachBand(g: ConvGeom, fn: (oh0: number, nOh: number) => void): void {
  for (let oh0 = 0; oh0 < g.Ho; oh0 += g.band) fn(oh0, Math.min(g.band, g.Ho - oh0));
}

/** Runs `fn` for every image n, group gi and band of output rows (oh0, nOh), with L = nOh·Wo. */
function forEachTile(g: ConvGeom, fn: (n: number, gi: number, oh0: number, L: number) => void): void {
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < g.G; gi++) forEachBand(g, (oh0, nOh) => fn(n, gi, oh0, nOh * g.Wo));
  }
}

/** A Float64 working copy of a whole tensor (or the output array itself if float64). */
function f64Target(y: TypedArray, slot: string): Float64Array {
  const t = y instanceof Float64Array ? y : scratch(slot, y.length);
  t.fill(0, 0, y.length);
  return t;
}

/** Copies a Float64 working array into the output unless it is the output. */
function storeF64(t: Float64Array, y: TypedArray): void {
  if (t !== y) y.set(t.subarray(0, y.length));
}

/** Packs a whole input into Float64 scratch. */
function f64Copy(v: TypedArray, slot: string): Float64Array {
  if (v instanceof Float64Array) return v;
  const t = scratch(slot, v.length);
  packMatrix(v, 0, 1, v.length, v.length, false, t, 0);
  return t;
}

/** conv2d: per image and group, im2col bands times the group's filter matrix. */
export const conv2d: Kernel<PrimitiveAttrs['conv2d']> = ({ inputs: [x, w], attrs, out }) => {
  const g = geometry(x.shape, w.shape, out.shape, attrs);
  const { C, H, W, O, Ho, Wo, Cg, Og, R } = g;
  const xv = valuesOf(x);
  const wf = f64Copy(valuesOf(w), 'convW');
  const y = alloc(out.dtype, out.size);
  const yf = f64Target(y, 'convY');
  const col = scratch('convCol', R * g.band * Wo);
  const HWo = Ho * Wo;
  forEachTile(g, (n, gi, oh0, L) => {
    im2col(false, xv, (n * C + gi * Cg) * H * W, g, oh0, L / Wo, col);
    gemmAcc(Og, L, R, wf, gi * Og * R, R, col, 0, L, yf, (n * O + gi * Og) * HWo + oh0 * Wo, HWo);
  });
  storeF64(yf, y);
  return wrap(y);
};

/** dx = col2im(Wᵀ·dy), the adjoint of conv2d in x. */
export const conv2dBackpropInput: Kernel<PrimitiveAttrs['conv2dBackpropInput']> = ({ inputs: [dy, w], attrs, out }) => {
  const g = geometry(attrs.inputShape, w.shape, dy.shape, attrs);
  const { C, H, W, O, Ho, Wo, Cg, Og, R } = g;
  const wv = valuesOf(w);
  // Wᵀ per group: R × Og.
  const wt = scratch('convWT', O * R);
  for (let gi = 0; gi < g.G; gi++) packMatrix(wv, gi * Og * R, R, Og, R, true, wt, gi * R * Og);
  const dyf = f64Copy(valuesOf(dy), 'convDy');
  const dx = alloc(out.dtype, out.size);
  const dxf = f64Target(dx, 'convDx');
  const col = scratch('convCol', R * g.band * Wo);
  const HWo = Ho * Wo;
  forEachTile(g, (n, gi, oh0, L) => {
    col.fill(0, 0, R * L);
    gemmAcc(R, L, Og, wt, gi * R * Og, Og, dyf, (n * O + gi * Og) * HWo + oh0 * Wo, HWo, col, 0, L);
    im2col(true, dxf, (n * C + gi * Cg) * H * W, g, oh0, L / Wo, col);
  });
  storeF64(dxf, dx);
  return wrap(dx);
};

/** dw = Σₙ dy·im2col(x)ᵀ, the adjoint of conv2d in w. */
export const conv2dBackpropFilter: Kernel<PrimitiveAttrs['conv2dBackpropFilter']> = ({ inputs: [x, dy], attrs, out }) => {
  const g = geometry(x.shape, attrs.filterShape, dy.shape, attrs);
  const { C, H, W, O, Ho, Wo, Cg, Og, R } = g;
  const xv = valuesOf(x);
  const dyf = f64Copy(valuesOf(dy), 'convDy');
  const dw = alloc(out.dtype, out.size);
  const dwf = f64Target(dw, 'convDw');
  const col = scratch('convCol', R * g.band * Wo);
  const colT = scratch('convColT', R * g.band * Wo);
  const HWo = Ho * Wo;
  forEachTile(g, (n, gi, oh0, L) => {
    im2col(false, xv, (n * C + gi * Cg) * H * W, g, oh0, L / Wo, col);
    packMatrix(col, 0, L, R, L, true, colT, 0);
    gemmAcc(Og, R, L, dyf, (n * O + gi * Og) * HWo + oh0 * Wo, HWo, colT, 0, R, dwf, gi * Og * R, R);
  });
  storeF64(dwf, dw);
  return wrap(dw);
};
