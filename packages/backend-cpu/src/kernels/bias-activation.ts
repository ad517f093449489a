import {
  ex,
  scalarMath,
  type AnyKernel,
  type BiasActivationAttrs,
  type BiasAddGradAttrs,
  type ElementwiseAttrs,
  type Expr,
  type FusedActivation,
  type Kernel,
  type TypedArray,
} from '@tessera/core';
import { alloc, allocUninit, valuesOf, wrap } from './storage.js';

const { sigmoid } = scalarMath;

/** x viewed as [outer, C, inner] around `axis`. */
export function around(shape: readonly number[], axis: number): { outer: number; c: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, c: shape[axis], inner };
}

/** The 32-bit words of a float32 array (same memory). */
const bitsOf = (a: Float32Array): Int32Array => new Int32Array(a.buffer, a.byteOffset, a.length);

type Run = (ys: TypedArray, start: number, end: number) => void;

/**
 * Each activation in place over ys[start, end), one loop per activation: a shared loop
 * calling one of four activation functions is polymorphic in V8, and several times slower
 * than wasm's add + relu (bench/RESULTS.md). `y < 0` leaves NaN (and −0) like the relu kernel.
 */
const ACTIVATE_IN_PLACE: Readonly<Record<FusedActivation, Run | null>> = {
  linear: null,
  relu: (ys, s, e) => {
    if (ys instanceof Float32Array) {
      // Branch-free on the bits: clear words with the sign bit set unless NaN or −0, as
      // y < 0 ? 0 : y does (random signs mispredict a branch half the time).
      const w = bitsOf(ys);
      for (let i = s; i < e; i++) {
        const b = w[i];
        const m = b & 0x7fffffff;
        w[i] = b & ~((b >> 31) & ~((0x7f800000 - m) >> 31) & (-m >> 31));
      }
    } else {
      for (let i = s; i < e; i++) if (ys[i] < 0) ys[i] = 0;
    }
  },
  sigmoid: (ys, s, e) => {
    for (let i = s; i < e; i++) ys[i] = sigmoid(ys[i]);
  },
  tanh: (ys, s, e) => {
    for (let i = s; i < e; i++) ys[i] = Math.tanh(ys[i]);
  },
};

type GradRun = (dy: TypedArray, y: TypedArray, dz: TypedArray, n: number) => void;

/** dz = dy·act′ from the output y (core's rules for `biasActivationGrad`), one loop per activation. */
const FROM_OUTPUT: Readonly<Record<FusedActivation, GradRun>> = {
  linear: (dy, _y, dz, n) => dz.set(dy.subarray(0, n)),
  relu: (dy, y, dz, n) => {
    if (dy instanceof Float32Array && dz instanceof Float32Array) {
      // Branch-free: keep dy's bits where y > 0, else +0.
      const [d, z] = [bitsOf(dy), bitsOf(dz)];
      for (let i = 0; i < n; i++) z[i] = d[i] & -(y[i] > 0);
    } else {
      for (let i = 0; i < n; i++) dz[i] = y[i] > 0 ? dy[i] : 0;
    }
  },
  sigmoid: (dy, y, dz, n) => {
    for (let i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1 - y[i]);
  },
  tanh: (dy, y, dz, n) => {
    for (let i = 0; i < n; i++) dz[i] = dy[i] * (1 - y[i] * y[i]);
  },
};

/**
 * act(x + bias[c]) over x [outer, C, inner]: per outer slice, the bias add (each bias value
 * loaded once per run of `inner`), then the activation in place over that slice while it
 * is still in cache (so float32 rounds z = x + b once, like the unfused ops).
 */
const biasActivation: Kernel<BiasActivationAttrs> = ({ inputs: [x, bias], attrs: { axis, activation }, out }) => {
  const xs = valuesOf(x);
  const bs = valuesOf(bias);
  const ys = allocUninit(out.dtype, out.size);
  const act = ACTIVATE_IN_PLACE[activation];
  const { outer, c, inner } = around(x.shape, axis);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    const slice = k;
    for (let j = 0; j < c; j++) {
      const b = bs[j];
      for (const end = k + inner; k < end; k++) ys[k] = xs[k] + b;
    }
    act?.(ys, slice, k);
  }
  return wrap(ys);
};

/** dz = dy·act′(y), elementwise (the axis does not matter). */
const biasActivationGrad: Kernel<BiasActivationAttrs> = ({ inputs: [dy, y], attrs: { activation }, out }) => {
  const zs = allocUninit(out.dtype, out.size);
  FROM_OUTPUT[activation](valuesOf(dy), valuesOf(y), zs, out.size);
  return wrap(zs);
};

/** Σ of dz [outer, C, inner] over outer and inner, in place (no transpose), accumulated in doubles. */
export const biasAddGrad: Kernel<BiasAddGradAttrs> = ({ inputs: [dz], attrs: { axis }, out }) => {
  const zs: TypedArray = valuesOf(dz);
  const { outer, c, inner } = around(dz.shape, axis);
  const acc = new Float64Array(c);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (const end = k + inner; k < end; k++) s += zs[k];
      acc[j] += s;
    }
  }
  const sums = alloc(out.dtype, c);
  sums.set(acc);
  return wrap(sums);
};

const Z = ex.add(ex.input(0), ex.input(1));
/** act(x + b) as an expression (the activations as core's ops define them). */
const BIAS_ACTIVATION: Readonly<Record<FusedActivation, ElementwiseAttrs>> = Object.fromEntries(
  (
    [
      ['linear', Z],
      ['relu', ex.select(ex.lt(Z, 0), 0, Z)],
      ['sigmoid', ex.div(1, ex.add(1, ex.exp(ex.neg(Z))))],
      ['tanh', ex.tanh(Z)],
    ] as const satisfies readonly (readonly [FusedActivation, Expr])[]
  ).map(([a, expr]) => [a, { expr, scalars: [] }]),
) as unknown as Record<FusedActivation, ElementwiseAttrs>;

/**
 * The forward through the expression kernel: x + bias (the bias viewed as [C, 1, …, 1]
 * so it broadcasts along `axis`) and the activation in one pass, compiled to wasm SIMD
 * for float32 like any expression (one rounding per node, like the unfused ops).
 */
export function wasmBiasActivation(elementwise: Kernel<ElementwiseAttrs>): Kernel<BiasActivationAttrs> {
  return (ctx) => {
    const { inputs: [x, bias], attrs: { axis, activation }, out } = ctx;
    const shape = [bias.size, ...new Array<number>(x.shape.length - axis - 1).fill(1)];
    return elementwise({ ...ctx, inputs: [x, { ...bias, shape }], attrs: BIAS_ACTIVATION[activation], out });
  };
}

/**
 * Fused kernels for core's `biasActivation` composite and its two gradient composites
 * (`biasActivationGrad`, `biasAddGrad`), float32 and float64: one pass forward instead of
 * add + activation, and the bias gradient summed in place instead of transposed then reduced.
 */
export const biasActivationKernels: Readonly<Record<'biasActivation' | 'biasActivationGrad' | 'biasAddGrad', AnyKernel>> = {
  biasActivation: biasActivation as AnyKernel,
  biasActivationGrad: biasActivationGrad as AnyKernel,
  biasAddGrad: biasAddGrad as AnyKernel,
};
