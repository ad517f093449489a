import {
  ex,
  type AnyKernel,
  type BatchNormAttrs,
  type DType,
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
export function layout(shape: readonly number[]): { n: number; c: number; inner: number; m: number } {
  let inner = 1;
  for (let i = 2; i < shape.length; i++) inner *= shape[i];
  return { n: shape[0], c: shape[1], inner, m: shape[0] * inner };
}

/**
 * The two passes every batch-norm kernel is made of. The TypeScript ones below take any
 * float dtype; backend-cpu's wasm engine has float32 SIMD versions over its threads
 * (`batch-norm-wasm.ts`).
 */
export interface BatchNormPasses {
  /**
   * Per channel c of p and q ([N, C, …], same shape), in doubles: out[2c] = Σ (p − sp[c]) and
   * out[2c + 1] = Σ (p − sp[c])·(q − sq[c]).
   */
  sums(p: TypedArray, q: TypedArray, shape: readonly number[], sp: Float64Array, sq: Float64Array): Float64Array;
  /**
   * out = (x − shift)·scale + offset + gain·g per channel, in doubles, from `coef` = [shift,
   * scale, offset, gain] per channel (4·C doubles); without `g`, out = (x − shift)·scale + offset.
   * Returns `out`, a new array of `dtype`.
   */
  apply(dtype: DType, x: TypedArray, g: TypedArray | null, shape: readonly number[], coef: Float64Array): TypedArray;
}

/**
 * The TypeScript passes. The sums keep four independent accumulators each (one chain of
 * double adds is latency-bound; the measurement is in bench/RESULTS.md).
 */
export const tsPasses: BatchNormPasses = {
  sums(p, q, shape, sp, sq) {
    const { n, c, inner } = layout(shape);
    const out = new Float64Array(2 * c);
    for (let ch = 0; ch < c; ch++) {
      const [hp, hq] = [sp[ch], sq[ch]];
      let [s0, s1, s2, s3, q0, q1, q2, q3] = [0, 0, 0, 0, 0, 0, 0, 0];
      for (let b = 0; b < n; b++) {
        const start = (b * c + ch) * inner;
        const end = start + inner;
        let i = start;
        for (; i + 4 <= end; i += 4) {
          const [d0, d1, d2, d3] = [p[i] - hp, p[i + 1] - hp, p[i + 2] - hp, p[i + 3] - hp];
          s0 += d0;
          s1 += d1;
          s2 += d2;
          s3 += d3;
          q0 += d0 * (q[i] - hq);
          q1 += d1 * (q[i + 1] - hq);
          q2 += d2 * (q[i + 2] - hq);
          q3 += d3 * (q[i + 3] - hq);
        }
        for (; i < end; i++) {
          const d = p[i] - hp;
          s0 += d;
          q0 += d * (q[i] - hq);
        }
      }
      out[2 * ch] = s0 + s1 + s2 + s3;
      out[2 * ch + 1] = q0 + q1 + q2 + q3;
    }
    return out;
  },
  apply(dtype, xs, g, shape, coef) {
    const { n, c, inner } = layout(shape);
    const out = allocUninit(dtype, xs.length);
    for (let ch = 0; ch < c; ch++) {
      const [shift, scale, offset, gain] = coef.subarray(4 * ch, 4 * ch + 4);
      for (let b = 0; b < n; b++) {
        const start = (b * c + ch) * inner;
        const end = start + inner;
        if (g === null) for (let i = start; i < end; i++) out[i] = (xs[i] - shift) * scale + offset;
        else for (let i = start; i < end; i++) out[i] = (xs[i] - shift) * scale + offset + gain * g[i];
      }
    }
    return out;
  },
};

/**
 * Mean and biased variance of every channel in one pass: sums of x − x₀ and its square,
 * shifted by the channel's first value x₀ so the variance does not cancel catastrophically
 * when the mean is large against the spread (var = Σd²/M − (Σd/M)², in doubles).
 */
function statsOf(passes: BatchNormPasses, xs: TypedArray, shape: readonly number[]): { mean: Float64Array; variance: Float64Array } {
  const { c, inner, m } = layout(shape);
  const shift = new Float64Array(c);
  if (m > 0) for (let ch = 0; ch < c; ch++) shift[ch] = xs[ch * inner];
  const sq = passes.sums(xs, xs, shape, shift, shift);
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const dm = sq[2 * ch] / m;
    mean[ch] = shift[ch] + dm;
    variance[ch] = Math.max(0, sq[2 * ch + 1] / m - dm * dm);
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

/** [2, C] output of `dtype` from two rows of doubles. */
function rows2(dtype: Parameters<typeof alloc>[0], a: Float64Array, b: Float64Array): TypedArray {
  const out = alloc(dtype, 2 * a.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * batchNorm's per-channel mean and scale γ/√(var + eps) in doubles, from its statistics (the
 * given [2, C] fourth input, or computed from x), and its bias β.
 */
function normCoefficients(
  passes: BatchNormPasses,
  { inputs: [x, w, b, stats], attrs: { eps } }: KernelContext<BatchNormAttrs>,
): { mean: Float64Array; scale: Float64Array; bias: TypedArray } {
  const { mean, variance } = stats ? givenStats(valuesOf(stats), x.shape[1]) : statsOf(passes, valuesOf(x), x.shape);
  const ws = valuesOf(w);
  const scale = variance.map((v, ch) => ws[ch] / Math.sqrt(v + eps));
  return { mean, scale, bias: valuesOf(b) };
}

/** The four batch-norm kernels by core op name. */
type BatchNormKernels = Readonly<Record<'batchNorm' | 'batchNormStats' | 'batchNormParamGrad' | 'batchNormInputGrad', AnyKernel>>;

/** The four batch-norm kernels on `passes`. */
function batchNormKernelsOn(passes: BatchNormPasses): BatchNormKernels {
  const batchNormStats: Kernel<Record<string, never>> = ({ inputs: [x], out }) => {
    const { mean, variance } = statsOf(passes, valuesOf(x), x.shape);
    return wrap(rows2(out.dtype, mean, variance));
  };
  /** y = (x − mean)·(γ/√(var + eps)) + β, after the statistics (or with the given ones, a [2, C] fourth input). */
  const batchNorm: Kernel<BatchNormAttrs> = (ctx) => {
    const { inputs: [x], out } = ctx;
    const { mean, scale, bias } = normCoefficients(passes, ctx);
    const coef = new Float64Array(4 * mean.length);
    for (let ch = 0; ch < mean.length; ch++) coef.set([mean[ch], scale[ch], bias[ch], 0], 4 * ch);
    return wrap(passes.apply(out.dtype, valuesOf(x), null, x.shape, coef));
  };
  /** [Σdy, Σdy·x̂] per channel, one pass over dy and x. */
  const batchNormParamGrad: Kernel<BatchNormAttrs> = ({ inputs: [dy, x, stats], attrs: { eps }, out }) => {
    const c = x.shape[1];
    const { mean, invStd } = meanAndInvStd(valuesOf(stats), c, eps);
    const sums = passes.sums(valuesOf(dy), valuesOf(x), x.shape, new Float64Array(c), mean);
    const s0 = new Float64Array(c);
    const s1 = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      s0[ch] = sums[2 * ch];
      s1[ch] = sums[2 * ch + 1] * invStd[ch];
    }
    return wrap(rows2(out.dtype, s0, s1));
  };
  /** dx = γ·invStd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), as (x − mean)·scale + offset + gain·dy per channel. */
  const batchNormInputGrad: Kernel<BatchNormAttrs> = ({ inputs: [dy, x, w, stats, sums], attrs: { eps }, out }) => {
    const [ws, ss] = [valuesOf(w), valuesOf(sums)];
    const { c, m } = layout(x.shape);
    const { mean, invStd } = meanAndInvStd(valuesOf(stats), c, eps);
    const coef = new Float64Array(4 * c);
    for (let ch = 0; ch < c; ch++) {
      const k = ws[ch] * invStd[ch];
      coef.set([mean[ch], -k * invStd[ch] * (ss[c + ch] / m), -k * (ss[ch] / m), k], 4 * ch);
    }
    return wrap(passes.apply(out.dtype, valuesOf(x), valuesOf(dy), x.shape, coef));
  };
  return {
    batchNorm: batchNorm as AnyKernel,
    batchNormStats: batchNormStats as AnyKernel,
    batchNormParamGrad: batchNormParamGrad as AnyKernel,
    batchNormInputGrad: batchNormInputGrad as AnyKernel,
  };
}

/** The batch norm kernels by core op name (TypeScript passes). */
export const batchNormKernels = batchNormKernelsOn(tsPasses);

/** (x − mean)·scale + bias per channel: inputs x, then the [C, 1, …] mean, scale, bias. */
const APPLY: ElementwiseAttrs = { expr: ex.add(ex.mul(ex.sub(ex.input(0), ex.input(1)), ex.input(2)), ex.input(3)), scalars: [] };

/**
 * The batch-norm kernels on the wasm engine's `passes` (statistics, parameter-gradient sums
 * and input gradient), with `batchNorm`'s normalisation pass for float32 through the
 * expression kernel (wasm SIMD rows, one per (n, c) plane with its channel's coefficients,
 * computed here in doubles and written as [C, 1, …] columns that broadcast along axis 1 of
 * x, freed after the call); other dtypes run the kernel on `passes`. The input gradient
 * stays in doubles (the passes' apply): dy − mean(dy) − x̂·mean(dy·x̂) cancels almost
 * entirely when a channel has few values (2 per channel, as in ResNet-50's last stage on
 * small images, is exactly 0), and float32 rows left a noise that γ/σ amplified into
 * steps that raised the loss.
 */
export function wasmBatchNormKernels(elementwise: Kernel<ElementwiseAttrs>, passes: BatchNormPasses): BatchNormKernels {
  const kernels = batchNormKernelsOn(passes);
  const forward: Kernel<BatchNormAttrs> = (ctx) => {
    const { backend, inputs: [x], out } = ctx;
    if (out.dtype !== 'float32' || x.shape.length < 2) return (kernels.batchNorm as Kernel<BatchNormAttrs>)(ctx);
    const { mean, scale, bias } = normCoefficients(passes, ctx);
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
  return { ...kernels, batchNorm: forward as AnyKernel };
}
