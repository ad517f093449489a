import type { Kernel } from '@tessera/core';
import { asGpu } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { bindings, ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { gpuOf } from './gpu-of.js';

/** The last loop of the fused kernel: what each element becomes given max `m` and Σexp `s`. */
const FINISH = {
  softmax: '  for (var r = 0u; r < R; r++) { let k = base + r * inner; y[k] = exp(x[k] - m) / s; }',
  logSoftmax: '  let l = m + log(s);\n  for (var r = 0u; r < R; r++) { let k = base + r * inner; y[k] = x[k] - l; }',
} as const;

/**
 * Fused softmax / logSoftmax along one axis: one thread per (outer, inner) line makes
 * three passes (max, Σ exp(x − max), write) instead of the five kernels and four
 * temporaries of the composite.
 */
function fused(name: keyof typeof FINISH): Kernel<{ readonly axis: number }> {
  return ({ backend, inputs: [x], attrs: { axis }, out }) => {
    const gpu = gpuOf(backend);
    const y = gpu.alloc(name, out.size, out.dtype);
    if (out.size === 0) return y;
    const R = x.shape[axis];
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const lines = out.size / R;
    const body = `  let R = ${pu(1)}; let inner = ${pu(2)};
  let base = (i / inner) * R * inner + i % inner;
  var m = t_ninf();
  for (var r = 0u; r < R; r++) { m = t_fmax(m, x[base + r * inner]); }
  var s = 0.0;
  for (var r = 0u; r < R; r++) { s += exp(x[base + r * inner] - m); }
${FINISH[name]}`;
    const code = () => [bindings({ name: 'y', type: 'f32' }, [{ name: 'x', type: 'f32' }]), helpersFor(body), perElementMain(body)].join('\n');
    gpu.dispatch({ key: `fused:${name}`, code, inputs: 1 }, y, [asGpu(x.dataId, name)], [lines, R, inner], gpu.groupsFor(lines, ELEMENT_WG));
    return y;
  };
}

/** Fused kernels for composite ops (they override the composite's decomposition). */
export const fusedKernels = {
  softmax: fused('softmax'),
  logSoftmax: fused('logSoftmax'),
};
