import type { Kernel } from '@tessera/core';
import { asGpu } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { bindings, ELEMENT_WG, foldGroups, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { treeLoop } from '../wgsl/tree.js';
import { gpuOf } from './gpu-of.js';

/**
 * What each element of a line becomes given its max `m` and Σ exp(x − m) `s`, for the
 * element at `k` (a WGSL index expression).
 */
const FINISH = {
  softmax: (k: string) => `y[${k}] = exp(x[${k}] - m) / s;`,
  logSoftmax: (k: string) => `y[${k}] = x[${k}] - (m + log(s));`,
} as const;
type Name = keyof typeof FINISH;

/** One thread per (outer, inner) line: three passes over the line. */
function lineShader(name: Name): string {
  const body = `  let R = ${pu(1)}; let inner = ${pu(2)};
  let base = (i / inner) * R * inner + i % inner;
  var m = t_ninf();
  for (var r = 0u; r < R; r++) { m = t_fmax(m, x[base + r * inner]); }
  var s = 0.0;
  for (var r = 0u; r < R; r++) { s += exp(x[base + r * inner] - m); }
  for (var r = 0u; r < R; r++) { ${FINISH[name]('base + r * inner')} }`;
  return [bindings({ name: 'y', type: 'f32' }, [{ name: 'x', type: 'f32' }]), helpersFor(body), perElementMain(body)].join('\n');
}

/** Threads per row of the workgroup variant. */
const ROW_WG = 256;

/** One 256-thread workgroup per contiguous row: tree max, tree Σ exp, then the writes. */
function rowShader(name: Name): string {
  const main = `var<workgroup> red: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let R = ${pu(1)};
  for (var row = wid.x + (wid.y + wid.z * nwg.y) * nwg.x; row < ${pu(0)}; row += nwg.x * nwg.y * nwg.z) {
  let base = row * R;
  var pm = t_ninf();
  for (var r = lid.x; r < R; r += ${ROW_WG}u) { pm = t_fmax(pm, x[base + r]); }
  red[lid.x] = pm;
${treeLoop(ROW_WG, '      red[lid.x] = t_fmax(red[lid.x], red[lid.x + s]);')}
  let m = red[0];
  workgroupBarrier();
  var ps = 0.0;
  for (var r = lid.x; r < R; r += ${ROW_WG}u) { ps += exp(x[base + r] - m); }
  red[lid.x] = ps;
${treeLoop(ROW_WG, '      red[lid.x] = red[lid.x] + red[lid.x + s];')}
  let s = red[0];
  workgroupBarrier();
  for (var r = lid.x; r < R; r += ${ROW_WG}u) { ${FINISH[name]('base + r')} }
  }
}`;
  return [bindings({ name: 'y', type: 'f32' }, [{ name: 'x', type: 'f32' }]), helpersFor(main), main].join('\n');
}

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
    const lines = out.size / R;
    const ins = [asGpu(x.dataId, name)];
    if (inner === 1 && R >= ROW_WG) {
      gpu.dispatch({ key: `fused-row:${name}`, code: () => rowShader(name), inputs: 1 }, y, ins, [lines, R], foldGroups(lines, gpu.maxGroupsPerDim));
    } else {
      gpu.dispatch({ key: `fused:${name}`, code: () => lineShader(name), inputs: 1 }, y, ins, [lines, R, inner], gpu.groupsFor(lines, ELEMENT_WG));
    }
    return y;
  };
}

/** Fused kernels for composite ops (they override the composite's decomposition). */
export const fusedKernels = {
  softmax: fused('softmax'),
  logSoftmax: fused('logSoftmax'),
};
