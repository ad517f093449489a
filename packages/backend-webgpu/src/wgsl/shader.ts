import { PARAMS_DECL, pu } from './params.js';

/** One storage binding of a generated shader. */
export interface BindingDecl {
  readonly name: string;
  /** WGSL element type (`f32`, `i32`, `u32`). */
  readonly type: string;
}

/** Threads per workgroup of one-thread-per-element kernels. */
export const ELEMENT_WG = 64;

/**
 * The bindings every generated shader shares: params at 0, the output (read-write) at 1,
 * then `moreOuts` (read-write; `ShaderSpec.outputs`), then the inputs (read-only). The
 * pipeline layout (`PipelineCache.layout`) mirrors this.
 */
export function bindings(out: BindingDecl, inputs: readonly BindingDecl[], moreOuts: readonly BindingDecl[] = []): string {
  const lines = [PARAMS_DECL, `@group(0) @binding(1) var<storage, read_write> ${out.name}: array<${out.type}>;`];
  moreOuts.forEach((b, k) => lines.push(`@group(0) @binding(${k + 2}) var<storage, read_write> ${b.name}: array<${b.type}>;`));
  const first = 2 + moreOuts.length;
  inputs.forEach((b, k) => lines.push(`@group(0) @binding(${k + first}) var<storage, read> ${b.name}: array<${b.type}>;`));
  return lines.join('\n');
}

/**
 * A compute entry point that runs `body` once per element index `i` in [0, n), with n in
 * parameter word 0. The dispatch may be folded into 2-D/3-D (see `foldGroups`) and capped,
 * so the flat index is rebuilt from all three dimensions and each thread strides over the
 * index space (`continue` skips an element).
 */
export function perElementMain(body: string): string {
  return `@compute @workgroup_size(${ELEMENT_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * nwg.y * nwg.z * ${ELEMENT_WG}u;
  for (var i = gid.x + (gid.y + gid.z * nwg.y) * nwg.x * ${ELEMENT_WG}u; i < ${pu(0)}; i += stride) {
${body}
  }
}`;
}

/**
 * Folds a 1-D workgroup count into (x, y, z) within `maxPerDim` per dimension. The
 * product covers `count` up to maxPerDim³; beyond that, kernels stride (see
 * `perElementMain`), and extra workgroups exit on the bounds check.
 */
export function foldGroups(count: number, maxPerDim: number): [number, number, number] {
  if (count <= maxPerDim) return [Math.max(1, count), 1, 1];
  const x = maxPerDim;
  const rest = Math.ceil(count / x);
  if (rest <= maxPerDim) return [x, rest, 1];
  return [x, maxPerDim, Math.min(maxPerDim, Math.ceil(rest / maxPerDim))];
}

/**
 * WGSL statements that turn the flat output index `i` into one element offset per operand:
 * `var o0: i32`, `o1`, … For a rank-`rank` index space whose sizes are at parameter word
 * `shapeAt`, operand k's strides at `strideAt[k]` (i32, may be negative or 0) and its base
 * offset at `baseAt[k]` (or 0 when undefined).
 */
export function stridedOffsets(rank: number, shapeAt: number, strideAt: readonly number[], baseAt?: readonly number[]): string {
  const ops = strideAt.map((_, k) => k);
  const lines = ops.map((k) => `  var o${k}: i32 = ${baseAt ? `bitcast<i32>(${pu(baseAt[k])})` : '0'};`);
  if (rank > 0) lines.push('  var rem = i;');
  for (let d = rank - 1; d >= 0; d--) {
    const c = d === 0 ? 'i32(rem)' : `i32(rem % ${pu(shapeAt + d)})`;
    lines.push(`  { let c = ${c};${d > 0 ? ` rem = rem / ${pu(shapeAt + d)};` : ''}`);
    for (const k of ops) lines.push(`    o${k} += c * bitcast<i32>(${pu(strideAt[k] + d)});`);
    lines.push('  }');
  }
  return lines.join('\n');
}
