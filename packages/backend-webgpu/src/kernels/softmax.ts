import type { Kernel } from '@tessera/core';
import { asGpu } from '../storage.js';
import { gpuOf } from './gpu-of.js';
import { dispatchRows, type RowSpec } from './rows.js';

/** softmax / logSoftmax as row kernels: each element from the line's max `m` and Σ exp `s`. */
const SPECS = {
  softmax: { key: 'softmax', out: { name: 'y', type: 'f32' }, inputs: [], each: (k: string) => `y[${k}] = exp(x[${k}] - m) / s;` },
  logSoftmax: { key: 'logSoftmax', out: { name: 'y', type: 'f32' }, inputs: [], each: (k: string) => `y[${k}] = x[${k}] - (m + log(s));` },
} as const satisfies Record<string, RowSpec>;
type Name = keyof typeof SPECS;

/**
 * Fused softmax / logSoftmax along one axis instead of the composite's five kernels and
 * four temporaries: long contiguous rows get a workgroup each (tree reductions), other
 * lines a thread each.
 */
function fused(name: Name): Kernel<{ readonly axis: number }> {
  return ({ backend, inputs: [x], attrs: { axis }, out }) => {
    const gpu = gpuOf(backend);
    const y = gpu.alloc(name, out.size, out.dtype);
    if (out.size === 0) return y;
    const R = x.shape[axis];
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    dispatchRows(gpu, SPECS[name], y, [asGpu(x.dataId, name)], { lines: out.size / R, R, inner });
    return y;
  };
}

/** Fused kernels for composite ops (they override the composite's decomposition). */
export const fusedKernels = {
  softmax: fused('softmax'),
  logSoftmax: fused('logSoftmax'),
};
