import type { AnyKernel, BiasAddGradAttrs, Kernel } from '@tessera/core';
import { asGpu } from '../storage.js';
import { gpuOf } from './gpu-of.js';
import { reduce } from './reduce.js';

/** x viewed as [outer, C, inner] around `axis`. */
function around(shape: readonly number[], axis: number): { outer: number; c: number; inner: number } {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return { outer: prod(shape.slice(0, axis)), c: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

/**
 * dbias: dz [outer, C, inner] summed over outer and inner with the sum reduction's
 * kernels, in place (no transpose): one dispatch when outer or inner is 1 ([N, F] with
 * the bias last: a column sum), else two (rows of `inner`, then columns of the partials).
 * (`biasActivation` and `biasActivationGrad` need no kernel: they are core expressions.)
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

/** The fused kernel for core's `biasAddGrad` composite (instead of a transpose and a sum). */
export const biasAddGradKernels: Readonly<Record<'biasAddGrad', AnyKernel>> = {
  biasAddGrad: biasAddGrad as AnyKernel,
};
