import {
  ex,
  type AnyKernel,
  type BatchNormAttrs,
  type ElementwiseAttrs,
  type Kernel,
  type KernelContext,
  type TypedArray,
} from '@tessera/core';
import { alloc, allocUninit, valuesOf, wrap } from './storage.js';

/**
 * Fused kernels for core's training-mode batch norm composites (`batchNorm`,
 * `batchNormStats`, `batchNormParamGrad`, `batchNormInputGrad`), float32 and float64:
 * x [N, C, …] is walked as N·C contiguous planes of `inner` values, channel by channel,
 * sums accumulated in doubles and every output stored once. The composites run ~10
 * kernels each (transposes for the reductions, broadcasts, elementwise passes).
 */

/** x [N, C, …] as N planes per channel of `inner` contiguous values each (plane (n, c) at (n·C + c)·inner). */
function layout(shape: readonly number[]): { n: number; c: number; inner: number; m: number } {
  let inner = 1;
  for (let i = 2; i < shape.length; i++) inner *= shape[i];
  return { n: shape[0], c: shape[1], inner, m: shape[0] * inner };
}

/**
 * Σd and Σd² of d = xs[i] − shift over channel `ch` (its n planes of `inner`), in doubles,
 * with four independent accumulators each (one chain of double adds is latency-bound; the
 * measurement is in bench/RESULTS.md).
 */
function shiftedSums(xs: TypedArray, n: number, c: number, inner: number, ch: number, shift: number, out: Float64Array): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  for (let b = 0; b < n; b++) {
    const start = (b * c + ch) * inner;
    const end = start + inner;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const d0 = xs[i] - shift;
      const d1 = xs[i + 1] - shift;
      const d2 = xs[i + 2] - shift;
      const d3 = xs[i + 3] - shift;
      s0 += d0;
      s1 += d1;
      s2 += d2;
      s3 += d3;
      q0 += d0 * d0;
      q1 += d1 * d1;
      q2 += d2 * d2;
      q3 += d3 * d3;
    }
    for (; i < end; i++) {
      const d = xs[i] - shift;
      s0 += d;
      q0 += d * d;
    }
  }
  out[0] = s0 + s1 + s2 + s3;
  out[1] = q0 + q1 + q2 + q3;
}

/**
 * Mean and biased variance of every channel in one pass: sums of x − x₀ and its square,
 * shifted by the channel's first value x₀ so the variance does not cancel catastrophically
 * when the mean is large against the spread (var = Σd²/M − (Σd/M)², in doubles).
 */
function statsOf(xs: TypedArray, shape: readonly number[]): { mean: Float64Array; variance: Float64Array } {
  const { n, c, inner, m } = layout(shape);
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const sq = new Float64Array(2);
  for (let ch = 0; ch < c; ch++) {
    const shift = m > 0 ? xs[ch * inner] : 0;
    shiftedSums(xs, n, c, inner, ch, shift, sq);
    const dm = sq[0] / m;
    mean[ch] = shift + dm;
    variance[ch] = Math.max(0, sq[1] / m - dm * dm);
  }
  return { mean, variance };
}

/** A [2, C] stats input as doubles. */
function givenStats(stats: TypedArray, c: number): { mean: Float64Array; variance: Float64Array } {
  return { mean: Float64Array.from(stats.subarray(0, c)), variance: Float64Array.from(stats.subarray(c, 2 * c)) };
}

/** Reads a [2, C] stats input back as doubles: mean, and 1/√(var + eps). */
function meanAndInvStd(stats: TypedArray, c: number, eps: number): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(c);
  const invStd = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    mean[ch] = stats[ch];
    invStd[ch] = 1 / Math.sqrt(stats[c + ch] + eps);
  }
  return { mean, invStd };
}

/**
 * out[i] = (xs[i] − shift)·scale + add(i) per channel, with add(i) = offset + gain·g[i] when `g`
 * is given: the one elementwise pass behind both the forward and dx.
 */
function affinePass(
  out: TypedArray,
  xs: TypedArray,
  shape: readonly number[],
  coef: (ch: number) => readonly [shift: number, scale: number, offset: number, gain: number],
  g: TypedArray | null,
): void {
  const { n, c, inner } = layout(shape);
  for (let ch = 0; ch < c; ch++) {
    const [shift, scale, offset, gain] = coef(ch);
    for (let b = 0; b < n; b++) {
      const start = (b * c + ch) * inner;
      const end = start + inner;
      if (g === null) for (let i = start; i < end; i++) out[i] = (xs[i] - shift) * scale + offset;
      else for (let i = start; i < end; i++) out[i] = (xs[i] - shift) * scale + offset + gain * g[i];
    }
  }
}

/** [2, C] output of `dtype` from two rows of doubles. */
function rows2(dtype: Parameters<typeof alloc>[0], a: Float64Array, b: Float64Array): TypedArray {
  const out = alloc(dtype, 2 * a.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const batchNormStats: Kernel<Record<string, never>> = ({ inputs: [x], out }) => {
  const { mean, variance } = statsOf(valuesOf(x), x.shape);
  return wrap(rows2(out.dtype, mean, variance));
};

/**
 * batchNorm's per-channel mean and scale γ/√(var + eps) in doubles, from its statistics (the
 * given [2, C] fourth input, or computed from x), and its bias β.
 */
function normCoefficients(
  { inputs: [x, w, b, stats], attrs: { eps } }: KernelContext<BatchNormAttrs>,
): { mean: Float64Array; scale: Float64Array; bias: TypedArray } {
  const { mean, variance } = stats ? givenStats(valuesOf(stats), x.shape[1]) : statsOf(valuesOf(x), x.shape);
  const ws = valuesOf(w);
  const scale = variance.map((v, ch) => ws[ch] / Math.sqrt(v + eps));
  return { mean, scale, bias: valuesOf(b) };
}

/** y = (x − mean)·(γ/√(var + eps)) + β, after the statistics (or with the given ones, a [2, C] fourth input). */
const batchNorm: Kernel<BatchNormAttrs> = (ctx) => {
  const { inputs: [x], out } = ctx;
  const { mean, scale, bias } = normCoefficients(ctx);
  const y = allocUninit(out.dtype, out.size);
  affinePass(y, valuesOf(x), x.shape, (ch) => [mean[ch], scale[ch], bias[ch], 0], null);
  return wrap(y);
};

/** [Σdy, Σdy·x̂] per channel, one pass over dy and x. */
const batchNormParamGrad: Kernel<BatchNormAttrs> = ({ inputs: [dy, x, stats], attrs: { eps }, out }) => {
  const [ds, xs] = [valuesOf(dy), valuesOf(x)];
  const { n, c, inner } = layout(x.shape);
  const { mean, invStd } = meanAndInvStd(valuesOf(stats), c, eps);
  const s0 = new Float64Array(c);
  const s1 = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch];
    let a = 0;
    let p = 0;
    for (let b = 0; b < n; b++) {
      for (let i = (b * c + ch) * inner, end = i + inner; i < end; i++) {
        const d = ds[i];
        a += d;
        p += d * (xs[i] - mu);
      }
    }
    s0[ch] = a;
    s1[ch] = p * invStd[ch];
  }
  return wrap(rows2(out.dtype, s0, s1));
};

/** dx = γ·invStd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), as (x − mean)·scale + offset + gain·dy per channel. */
const batchNormInputGrad: Kernel<BatchNormAttrs> = ({ inputs: [dy, x, w, stats, sums], attrs: { eps }, out }) => {
  const [ds, xs, ws, ss] = [valuesOf(dy), valuesOf(x), valuesOf(w), valuesOf(sums)];
  const { c, m } = layout(x.shape);
  const { mean, invStd } = meanAndInvStd(valuesOf(stats), c, eps);
  const dx = allocUninit(out.dtype, out.size);
  affinePass(dx, xs, x.shape, (ch) => {
    const k = ws[ch] * invStd[ch];
    return [mean[ch], -k * invStd[ch] * (ss[c + ch] / m), -k * (ss[ch] / m), k];
  }, ds);
  return wrap(dx);
};

/** The batch norm kernels by core op name. */
export const batchNormKernels: Readonly<Record<'batchNorm' | 'batchNormStats' | 'batchNormParamGrad' | 'batchNormInputGrad', AnyKernel>> = {
  batchNorm: batchNorm as AnyKernel,
  batchNormStats: batchNormStats as AnyKernel,
  batchNormParamGrad: batchNormParamGrad as AnyKernel,
  batchNormInputGrad: batchNormInputGrad as AnyKernel,
};

/** (x − mean)·scale + bias per channel: inputs x, then the [C, 1, …] mean, scale, bias. */
const APPLY: ElementwiseAttrs = { expr: ex.add(ex.mul(ex.sub(ex.input(0), ex.input(1)), ex.input(2)), ex.input(3)), scalars: [] };

/**
 * `batchNorm`'s normalisation pass for float32 through the expression kernel (wasm SIMD
 * rows, one per (n, c) plane with its channel's coefficients, computed here in doubles and
 * written as [C, 1, …] columns that broadcast along axis 1 of x, freed after the call);
 * other dtypes run the TypeScript kernel, and the statistics stay the TypeScript reduction.
 * The input gradient stays in doubles: dy − mean(dy) − x̂·mean(dy·x̂) cancels almost
 * entirely when a channel has few values (2 per channel, as in ResNet-50's last stage on
 * small images, is exactly 0), and float32 rows left a noise that γ/σ amplified into
 * steps that raised the loss.
 */
export function wasmBatchNormKernels(elementwise: Kernel<ElementwiseAttrs>): Readonly<Record<'batchNorm', AnyKernel>> {
  const forward: Kernel<BatchNormAttrs> = (ctx) => {
    const { backend, inputs: [x], out } = ctx;
    if (out.dtype !== 'float32' || x.shape.length < 2) return batchNorm(ctx);
    const { mean, scale, bias } = normCoefficients(ctx);
    const c = x.shape[1];
    const shape = [c, ...new Array<number>(x.shape.length - 2).fill(1)];
    const ids = [mean, scale, bias].map((col) => backend.write(Float32Array.from(col), 'float32', shape));
    try {
      const cols = ids.map((dataId) => ({ dataId, shape, dtype: 'float32' as const, size: c }));
      return elementwise({ backend, inputs: [x, ...cols], attrs: APPLY, out });
    } finally {
      for (const id of ids) backend.free(id);
    }
  };
  return { batchNorm: forward as AnyKernel };
}
