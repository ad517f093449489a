import type { Kernel, PrimitiveAttrs, Pool2dAttrs, TypedArray } from '@tessera/core';
import { scratch } from './scratch.js';
import { alloc, valuesOf, wrap } from './storage.js';

/** Per output position along one axis: the clipped window [start, end) and its padded size. */
export interface AxisWindows {
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Window size counting padding (PyTorch's count_include_pad divisor factor). */
  readonly padded: Int32Array;
}

export function axisWindows(outSize: number, size: number, k: number, stride: number, before: number, after: number): AxisWindows {
  const start = new Int32Array(outSize);
  const end = new Int32Array(outSize);
  const padded = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = o * stride - before;
    const e = Math.min(s + k, size + after);
    padded[o] = e - s;
    start[o] = Math.max(s, 0);
    end[o] = Math.max(start[o], Math.min(e, size));
  }
  return { start, end, padded };
}

/**
 * Visits every output position of a pooling op: `visit(o, plane, h0, h1, w0, w1, full)`
 * gets the flat output index, the offset of the input plane, the clipped window and the
 * window size counting padding.
 */
function forEachWindow(
  xShape: readonly number[],
  yShape: readonly number[],
  { kernel, strides, pads }: Pool2dAttrs,
  visit: (o: number, plane: number, h0: number, h1: number, w0: number, w1: number, full: number) => void,
): void {
  const [N, C, H, W] = xShape;
  const [, , Ho, Wo] = yShape;
  const hw = axisWindows(Ho, H, kernel[0], strides[0], pads[0], pads[1]);
  const ww = axisWindows(Wo, W, kernel[1], strides[1], pads[2], pads[3]);
  let o = 0;
  for (let p = 0; p < N * C; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = hw.start[oh];
      const h1 = hw.end[oh];
      const ph = hw.padded[oh];
      for (let ow = 0; ow < Wo; ow++, o++) {
        visit(o, plane, h0, h1, ww.start[ow], ww.end[ow], ph * ww.padded[ow]);
      }
    }
  }
}

/** Offset of the first maximum of a window in row-major order (a NaN wins); −1 if empty. */
function firstMax(x: TypedArray, plane: number, W: number, h0: number, h1: number, w0: number, w1: number): number {
  let best = -1;
  let m = -Infinity;
  for (let h = h0; h < h1; h++) {
    const row = plane + h * W;
    for (let w = w0; w < w1; w++) {
      const v = x[row + w];
      if (best < 0 || v > m || (v !== v && m === m)) {
        m = v;
        best = row + w;
      }
    }
  }
  return best;
}

/** The divisor of an average-pool window. */
function avgDivisor(countIncludePad: boolean, h0: number, h1: number, w0: number, w1: number, full: number): number {
  return countIncludePad ? full : (h1 - h0) * (w1 - w0);
}

/** Zeroed Float64 accumulator for a gradient of `size` elements. */
function gradAcc(size: number): Float64Array {
  const acc = scratch('poolDx', size);
  acc.fill(0, 0, size);
  return acc;
}

/** Max pooling; padding counts as −∞. */
export const maxPool2d: Kernel<PrimitiveAttrs['maxPool2d']> = ({ inputs: [x], attrs, out }) => {
  const xv = valuesOf(x);
  const y = alloc(out.dtype, out.size);
  const W = x.shape[3];
  forEachWindow(x.shape, out.shape, attrs, (o, plane, h0, h1, w0, w1) => {
    const at = firstMax(xv, plane, W, h0, h1, w0, w1);
    y[o] = at < 0 ? -Infinity : xv[at];
  });
  return wrap(y);
};

/** Routes each window's dy to the window's first maximum in x. */
export const maxPool2dBackward: Kernel<PrimitiveAttrs['maxPool2dBackward']> = ({ inputs: [dy, x], attrs, out }) => {
  const xv = valuesOf(x);
  const dyv = valuesOf(dy);
  const W = x.shape[3];
  const acc = gradAcc(out.size);
  forEachWindow(x.shape, dy.shape, attrs, (o, plane, h0, h1, w0, w1) => {
    const at = firstMax(xv, plane, W, h0, h1, w0, w1);
    if (at >= 0) acc[at] += dyv[o];
  });
  const dx = alloc(out.dtype, out.size);
  dx.set(acc.subarray(0, out.size));
  return wrap(dx);
};

/** Average pooling; the divisor excludes padding unless countIncludePad. */
export const avgPool2d: Kernel<PrimitiveAttrs['avgPool2d']> = ({ inputs: [x], attrs, out }) => {
  const xv = valuesOf(x);
  const y = alloc(out.dtype, out.size);
  const W = x.shape[3];
  forEachWindow(x.shape, out.shape, attrs, (o, plane, h0, h1, w0, w1, full) => {
    const div = avgDivisor(attrs.countIncludePad, h0, h1, w0, w1, full);
    let s = 0;
    for (let h = h0; h < h1; h++) {
      const row = plane + h * W;
      for (let w = w0; w < w1; w++) s += xv[row + w];
    }
    y[o] = div > 0 ? s / div : 0;
  });
  return wrap(y);
};

/** Spreads each dy evenly (÷ the forward divisor) over its window. */
export const avgPool2dBackward: Kernel<PrimitiveAttrs['avgPool2dBackward']> = ({ inputs: [dy], attrs, out }) => {
  const dyv = valuesOf(dy);
  const W = attrs.inputShape[3];
  const acc = gradAcc(out.size);
  forEachWindow(attrs.inputShape, dy.shape, attrs, (o, plane, h0, h1, w0, w1, full) => {
    const div = avgDivisor(attrs.countIncludePad, h0, h1, w0, w1, full);
    if (div === 0) return;
    const g = dyv[o] / div;
    for (let h = h0; h < h1; h++) {
      const row = plane + h * W;
      for (let w = w0; w < w1; w++) acc[row + w] += g;
    }
  });
  const dx = alloc(out.dtype, out.size);
  dx.set(acc.subarray(0, out.size));
  return wrap(dx);
};
