import type { AnyKernel, BiasActivationAttrs, BiasAddGradAttrs, FusedActivation, Kernel, TensorData } from '@tessera/core';
import { asGpu } from '../storage.js';
import { UNARY_EXPR } from '../wgsl/scalar.js';
import { gpuOf } from './gpu-of.js';
import { runMap } from './map.js';
import { reduce } from './reduce.js';

/** act(z) as WGSL in `z`: the unary kernels' own expressions (relu's select keeps NaN). */
const activate = (activation: FusedActivation, z: string): string =>
  activation === 'linear' ? z : UNARY_EXPR[activation]('f32').replace(/\bx\b/g, z);

/**
 * dy·act′ from the output in WGSL (core's rules for `biasActivationGrad`), in `g` (dy) and
 * `o` (the forward's output; `y` is the output binding of every map kernel).
 */
const FROM_OUTPUT: Readonly<Record<FusedActivation, string>> = {
  linear: 'g',
  relu: 'select(0.0, g, o > 0.0)',
  sigmoid: 'g * (o * (1.0 - o))',
  tanh: 'g * (1.0 - o * o)',
};

/** x viewed as [outer, C, inner] around `axis`. */
function around(shape: readonly number[], axis: number): { outer: number; c: number; inner: number } {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return { outer: prod(shape.slice(0, axis)), c: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

/** act(x + bias) in one elementwise dispatch: the bias is read as [1, …, C, …, 1] with broadcast strides. */
const biasActivation: Kernel<BiasActivationAttrs> = ({ backend, inputs: [x, bias], attrs: { axis, activation }, out }) => {
  const along: TensorData = { ...bias, shape: x.shape.map((d, i) => (i === axis ? d : 1)) };
  const spec = { name: `biasActivation.${activation}`, vars: ['v', 'b'], inTypes: ['f32', 'f32'] as const, outType: 'f32' as const, expr: activate(activation, '(v + b)') };
  return runMap(gpuOf(backend), spec, [x, along], out);
};

/** dz = dy·act′(y) in one elementwise dispatch. */
const biasActivationGrad: Kernel<BiasActivationAttrs> = ({ backend, inputs, attrs: { activation }, out }) => {
  const spec = { name: `biasActivationGrad.${activation}`, vars: ['g', 'o'], inTypes: ['f32', 'f32'] as const, outType: 'f32' as const, expr: FROM_OUTPUT[activation] };
  return runMap(gpuOf(backend), spec, inputs, out);
};

/**
 * dbias: dz [outer, C, inner] summed over outer and inner with the sum reduction's
 * kernels, in place (no transpose): one dispatch when outer or inner is 1 ([N, F] with
 * the bias last: a column sum), else two (rows of `inner`, then columns of the partials).
 */
const biasAddGrad: Kernel<BiasAddGradAttrs> = ({ backend, inputs: [dz], attrs: { axis } }) => {
  const gpu = gpuOf(backend);
  const { outer, c, inner } = around(dz.shape, axis);
  const z = asGpu(dz.dataId, 'biasAddGrad');
  if (inner === 1) return reduce(gpu, 'sum', z, dz.dtype, dz.dtype, { outer: 1, reduce: outer, inner: c });
  const rows = reduce(gpu, 'sum', z, dz.dtype, dz.dtype, { outer: outer * c, reduce: inner, inner: 1 });
  if (outer === 1) return rows;
  const sums = reduce(gpu, 'sum', rows, dz.dtype, dz.dtype, { outer: 1, reduce: outer, inner: c });
  gpu.release(rows);
  return sums;
};

/**
 * Fused kernels for core's `biasActivation` composite and its gradient composites: the
 * forward and dx in one dispatch each (instead of add + activation, and the activation's
 * gradient ops), dbias in one or two reduction dispatches (instead of a transpose and a sum).
 */
export const biasActivationKernels: Readonly<Record<'biasActivation' | 'biasActivationGrad' | 'biasAddGrad', AnyKernel>> = {
  biasActivation: biasActivation as AnyKernel,
  biasActivationGrad: biasActivationGrad as AnyKernel,
  biasAddGrad: biasAddGrad as AnyKernel,
};
