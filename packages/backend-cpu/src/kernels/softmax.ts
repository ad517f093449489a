import type { Kernel, TensorData, TypedArray } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { expExports } from '../wasm/exp-module.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { allocUninit, valuesOf, wrap } from './storage.js';

/**
 * Fused softmax and logSoftmax (core's composites, kernel names 'softmax' and 'logSoftmax'):
 * one pass per row for the max, one exp pass, one for the sum and the division (or the
 * subtraction of log Σ), instead of the composite's max, sub, exp, sum and div kernels and
 * their temporaries. Rows along the last axis of a float32 tensor run their exp on the wasm
 * SIMD exp (exp-module.ts, within 1 ulp); other axes and float64 use Math.exp.
 */

type Mode = 'softmax' | 'logSoftmax';

/** Rows of `n` values `inner` apart: `outer` groups of `inner` interleaved rows. */
function rowsOf(x: TensorData, axis: number): { outer: number; n: number; inner: number } {
  const n = x.shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < x.shape.length; d++) inner *= x.shape[d];
  return { outer: n === 0 || inner === 0 ? 0 : x.size / (n * inner), n, inner };
}

/**
 * One row of n values at `at` with stride `step`, from x into y: y = softmax or log-softmax.
 * `exp(at, n, shift)` replaces y's contiguous row (step 1) by exp(y − shift), or is null
 * for the strided Math.exp loop.
 */
function row(
  mode: Mode,
  x: TypedArray,
  y: TypedArray,
  at: number,
  n: number,
  step: number,
  exp: ((at: number, n: number, shift: number) => void) | null,
): void {
  const end = at + n * step;
  let mx = -Infinity;
  for (let o = at; o < end; o += step) {
    const v = x[o];
    if (v > mx) mx = v;
    else if (v !== v) {
      mx = NaN; // a NaN makes the whole row NaN, as in the composite
      break;
    }
  }
  // A row of −∞ only: exp(x − max) = NaN, as the composite gives (max − max of −∞).
  if (exp) {
    y.set(x.subarray(at, end), at);
    exp(at, n, mx);
  } else for (let o = at; o < end; o += step) y[o] = Math.exp(x[o] - mx);
  let sum = 0;
  for (let o = at; o < end; o += step) sum += y[o];
  if (mode === 'softmax') {
    const inv = 1 / sum;
    for (let o = at; o < end; o += step) y[o] *= inv;
  } else {
    const shift = mx + Math.log(sum);
    for (let o = at; o < end; o += step) y[o] = x[o] - shift;
  }
}

/** Every row of x through `row`. */
function rows(
  mode: Mode,
  x: TypedArray,
  y: TypedArray,
  t: TensorData,
  axis: number,
  exp: ((at: number, n: number, shift: number) => void) | null,
): void {
  const { outer, n, inner } = rowsOf(t, axis);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) row(mode, x, y, o * n * inner + i, n, inner, inner === 1 ? exp : null);
}

/** The TypeScript kernel (float32 and float64; Math.exp). */
function tsSoftmax(mode: Mode): Kernel<{ readonly axis: number }> {
  return ({ inputs: [x], attrs: { axis }, out }) => {
    const y = allocUninit(out.dtype, out.size);
    rows(mode, valuesOf(x), y, x, axis, null);
    return wrap(y);
  };
}

/** The kernel with last-axis float32 rows on the wasm SIMD exp (the output row is the exp's scratch). */
function wasmSoftmax(mode: Mode, engine: WasmEngine): Kernel<{ readonly axis: number }> {
  const fallback = tsSoftmax(mode);
  return (ctx) => {
    const {
      inputs: [x],
      attrs: { axis },
      out,
    } = ctx;
    const f32 = f32Inputs([x], out.dtype, out.size);
    if (!f32 || axis !== x.shape.length - 1) return fallback(ctx);
    engine.reset();
    const ptr = engine.allocOut(Math.max(1, out.size));
    const y = engine.f32.subarray(ptr >>> 2, (ptr >>> 2) + out.size);
    const { expRow } = expExports(engine);
    rows(mode, f32[0], y, x, axis, (at, n, shift) => expRow(ptr + 4 * at, n, shift));
    return wrap(copyOut(engine, ptr, out.size));
  };
}

/** The softmax and logSoftmax kernels of a kernel table (wasm where `engine` is given). */
export function softmaxKernels(engine: WasmEngine | null): {
  softmax: Kernel<{ readonly axis: number }>;
  logSoftmax: Kernel<{ readonly axis: number }>;
} {
  return engine
    ? { softmax: wasmSoftmax('softmax', engine), logSoftmax: wasmSoftmax('logSoftmax', engine) }
    : { softmax: tsSoftmax('softmax'), logSoftmax: tsSoftmax('logSoftmax') };
}
