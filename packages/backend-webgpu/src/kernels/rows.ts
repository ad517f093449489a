import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { type BindingDecl, bindings, ELEMENT_WG, foldGroups, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { treeLoop } from '../wgsl/tree.js';

/**
 * A kernel over lines of R elements of `x` (softmax-like): per line it gets the max `m`
 * and Σ exp(x − m) `s`, then runs `each` per element and `last` once. Parameter words:
 * 0 lines, 1 R, 2 inner (the line's element stride), then `extra` from word 3. In the WGSL
 * snippets `line` is the line index, `base` its first element, `R`, `inner` as above.
 */
export interface RowSpec {
  /** Pipeline cache key (unique per generated code). */
  readonly key: string;
  readonly out: BindingDecl;
  /** Inputs after `x` (f32, always the first input). */
  readonly inputs: readonly BindingDecl[];
  /** Statements run once per line before the reductions (e.g. load its label). */
  readonly prelude?: string;
  /** Statements per element at index expression `k`, position `r` (u32) in the line. */
  readonly each?: (k: string, r: string) => string;
  /** Statements run once per line after the reductions (one thread of a workgroup). */
  readonly last?: string;
}

/** Threads per row of the workgroup variant. */
const ROW_WG = 256;

function binds(spec: RowSpec): string {
  return bindings(spec.out, [{ name: 'x', type: 'f32' }, ...spec.inputs]);
}

/** One thread per (outer, inner) line: three passes over the line. */
function lineShader(spec: RowSpec): string {
  const body = `  let R = ${pu(1)}; let inner = ${pu(2)}; let line = i;
  let base = (i / inner) * R * inner + i % inner;
  ${spec.prelude ?? ''}
  var m = t_ninf();
  for (var r = 0u; r < R; r++) { m = t_fmax(m, x[base + r * inner]); }
  var s = 0.0;
  for (var r = 0u; r < R; r++) { s += exp(x[base + r * inner] - m); }
  ${spec.each ? `for (var r = 0u; r < R; r++) { ${spec.each('base + r * inner', 'r')} }` : ''}
  ${spec.last ?? ''}`;
  return [binds(spec), helpersFor(body), perElementMain(body)].join('\n');
}

/** One 256-thread workgroup per contiguous row: tree max, tree Σ exp, then the writes. */
function rowShader(spec: RowSpec): string {
  const main = `var<workgroup> red: array<f32, ${ROW_WG}>;
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let R = ${pu(1)}; let inner = 1u;
  for (var row = wid.x + (wid.y + wid.z * nwg.y) * nwg.x; row < ${pu(0)}; row += nwg.x * nwg.y * nwg.z) {
  let line = row; let base = row * R;
  ${spec.prelude ?? ''}
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
  ${spec.each ? `for (var r = lid.x; r < R; r += ${ROW_WG}u) { ${spec.each('base + r', 'r')} }` : ''}
  ${spec.last ? `if (lid.x == 0u) { ${spec.last} }` : ''}
  }
}`;
  return [binds(spec), helpersFor(main), main].join('\n');
}

/**
 * Dispatches a row kernel over `lines` lines of `R` elements with element stride `inner`:
 * long contiguous rows (inner 1, R ≥ 256) get a workgroup each with tree reductions,
 * other lines a thread each.
 */
export function dispatchRows(
  gpu: GpuContext,
  spec: RowSpec,
  y: GpuStorage,
  ins: readonly GpuStorage[],
  geometry: { readonly lines: number; readonly R: number; readonly inner: number },
  extra: readonly number[] = [],
): void {
  const { lines, R, inner } = geometry;
  const params = [lines, R, inner, ...extra];
  const arity = 1 + spec.inputs.length;
  if (inner === 1 && R >= ROW_WG) {
    gpu.dispatch(
      { key: `fused-row:${spec.key}`, code: () => rowShader(spec), inputs: arity },
      y,
      ins,
      params,
      foldGroups(lines, gpu.maxGroupsPerDim),
    );
  } else {
    gpu.dispatch(
      { key: `fused:${spec.key}`, code: () => lineShader(spec), inputs: arity },
      y,
      ins,
      params,
      gpu.groupsFor(lines, ELEMENT_WG),
    );
  }
}
