import type { DType, Kernel, ReduceAttrs, ReduceOpName } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage, wgslType } from '../storage.js';
import { ParamList, pu } from '../wgsl/params.js';
import type { ScalarType } from '../wgsl/scalar.js';
import { bindings, ELEMENT_WG, foldGroups, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { treeLoop } from '../wgsl/tree.js';
import { gpuOf } from './gpu-of.js';

/** A fold: the value of an empty reduction and how one element (or a partial result) joins. */
interface Fold {
  readonly init: (t: ScalarType) => string;
  readonly step: (t: ScalarType) => string;
}

const LOWEST: Record<ScalarType, string> = { f32: 't_ninf()', i32: 'bitcast<i32>(0x80000000u)', u32: '0u' };
const HIGHEST: Record<ScalarType, string> = { f32: 't_inf()', i32: '2147483647i', u32: '1u' };

/** The folds behind sum, prod, max and min: `step` combines `acc` and `v`. */
const FOLDS: Record<'sum' | 'prod' | 'max' | 'min', Fold> = {
  sum: { init: (t) => `${t}(0)`, step: () => 'acc + v' },
  prod: { init: (t) => `${t}(1)`, step: () => 'acc * v' },
  // NaN propagates (t_fmax/t_fmin), like the CPU reference.
  max: { init: (t) => LOWEST[t], step: (t) => (t === 'f32' ? 't_fmax(acc, v)' : 'max(acc, v)') },
  min: { init: (t) => HIGHEST[t], step: (t) => (t === 'f32' ? 't_fmin(acc, v)' : 'min(acc, v)') },
};

/** "v beats best" for argmax/argmin: strict, so the first extreme wins; a first NaN wins. */
const BETTER = { argmax: '>', argmin: '<' } as const;
const better = (op: 'argmax' | 'argmin', v: string, w: string) => `((${v} ${BETTER[op]} ${w}) || (${v} != ${v} && ${w} == ${w}))`;

/** Threads of a tree-reduction workgroup. */
const TREE_WG = 256;

type Geometry = ReduceAttrs;

/**
 * Column kernel: one thread per output (o, c, i) folds reduce indices [c·cs, (c+1)·cs) of
 * x viewed as [outer, reduce, inner]. With chunks = 1 it is the whole reduction; with
 * more, it is the first pass of a two-pass reduction of a long axis.
 */
function columnShader(op: ReduceOpName, tin: ScalarType, tout: ScalarType): string {
  const head = `  let R = ${pu(1)}; let inner = ${pu(2)}; let cs = ${pu(3)}; let chunks = ${pu(4)};
  let inn = i % inner; let t = i / inner; let c = t % chunks; let o = t / chunks;
  let r0 = c * cs; let r1 = min(R, r0 + cs);
  var idx = (o * R + r0) * inner + inn;`;
  let body: string;
  if (op === 'argmax' || op === 'argmin') {
    body = `  var bi = 0i; var best = ${tin}(0);
  for (var r = r0; r < r1; r++) {
    let v = x[idx];
    if (r == r0 || ${better(op, 'v', 'best')}) { best = v; bi = i32(r); }
    idx += inner;
  }
  y[i] = bi;`;
  } else {
    const f = FOLDS[op];
    body = `  var acc = ${f.init(tout)};
  for (var r = r0; r < r1; r++) {
    let v = ${tin === tout ? 'x[idx]' : `${tout}(x[idx])`};
    acc = ${f.step(tout)};
    idx += inner;
  }
  y[i] = acc;`;
  }
  const main = perElementMain(`${head}\n${body}`);
  return [bindings({ name: 'y', type: tout }, [{ name: 'x', type: tin }]), helpersFor(main), main].join('\n');
}

/**
 * Tree kernel for inner = 1: one workgroup of 256 threads per output row; each thread
 * folds a strided share of the row, then the workgroup halves the partials in shared
 * memory (log₂ 256 steps). Arg ops carry (value, index) pairs; ties go to the lower index.
 */
function treeShader(op: ReduceOpName, tin: ScalarType, tout: ScalarType): string {
  const arg = op === 'argmax' || op === 'argmin';
  const shared = arg
    ? `var<workgroup> sv: array<${tin}, ${TREE_WG}>;\nvar<workgroup> si: array<i32, ${TREE_WG}>;`
    : `var<workgroup> sv: array<${tout}, ${TREE_WG}>;`;
  let local: string;
  let combine: string;
  let result: string;
  if (arg) {
    local = `  var best = ${tin}(0); var bi = -1i;
  for (var r = lid.x; r < R; r += ${TREE_WG}u) {
    let v = x[base + r];
    if (bi < 0 || ${better(op, 'v', 'best')}) { best = v; bi = i32(r); }
  }
  sv[lid.x] = best; si[lid.x] = bi;`;
    combine = `      let a = sv[lid.x]; let ai = si[lid.x]; let b = sv[lid.x + s]; let bj = si[lid.x + s];
      var takeB = false;
      if (ai < 0) { takeB = true; } else if (bj >= 0) {
        takeB = ${better(op, 'b', 'a')} || (!${better(op, 'a', 'b')} && bj < ai);
      }
      if (takeB) { sv[lid.x] = b; si[lid.x] = bj; }`;
    result = 'y[row] = max(si[0], 0);';
  } else {
    const f = FOLDS[op];
    local = `  var acc = ${f.init(tout)};
  for (var r = lid.x; r < R; r += ${TREE_WG}u) {
    let v = ${tin === tout ? 'x[base + r]' : `${tout}(x[base + r])`};
    acc = ${f.step(tout)};
  }
  sv[lid.x] = acc;`;
    combine = `      let acc = sv[lid.x]; let v = sv[lid.x + s];
      sv[lid.x] = ${f.step(tout)};`;
    result = 'y[row] = sv[0];';
  }
  // Rows stride over the (capped) grid; the loop bound is uniform, so barriers are legal.
  const main = `@compute @workgroup_size(${TREE_WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let R = ${pu(1)};
  for (var row = wid.x + (wid.y + wid.z * nwg.y) * nwg.x; row < ${pu(0)}; row += nwg.x * nwg.y * nwg.z) {
  let base = row * R;
${local}
${treeLoop(TREE_WG, combine)}
  if (lid.x == 0u) { ${result} }
  workgroupBarrier();
  }
}`;
  return [bindings({ name: 'y', type: arg ? 'i32' : tout }, [{ name: 'x', type: tin }]), shared, helpersFor(main), main].join('\n');
}

/** Reduces `x` ([outer, reduce, inner] of dtype `din`) into a new storage of `dout`. */
export function reduce(gpu: GpuContext, op: ReduceOpName, x: GpuStorage, din: DType, dout: DType, g: Geometry): GpuStorage {
  const tin = wgslType(din);
  const tout = wgslType(dout);
  const arg = op === 'argmax' || op === 'argmin';
  const rows = g.outer * g.inner;
  // A long axis with few outputs: fold chunks of it first, then reduce the partials.
  if (!arg && g.reduce > 4096 && rows < 1024) {
    const chunks = Math.min(1024, Math.ceil(g.reduce / 1024));
    const partial = column(gpu, op, x, tin, tout, dout, g, chunks);
    const again = reduce(gpu, op, partial, dout, dout, { outer: g.outer, reduce: chunks, inner: g.inner });
    gpu.release(partial);
    return again;
  }
  if (g.inner === 1 && g.reduce >= 64) {
    const y = gpu.alloc(op, rows, dout);
    const p = new ParamList();
    p.ints(rows, g.reduce);
    const spec = { key: `reduce-tree:${op}:${tin}>${tout}`, code: () => treeShader(op, tin, tout), inputs: 1 };
    gpu.dispatch(spec, y, [x], p.words, foldGroups(rows, gpu.maxGroupsPerDim));
    return y;
  }
  return column(gpu, op, x, tin, tout, dout, g, 1);
}

/** Runs the column kernel with `chunks` chunks: output [outer, chunks, inner]. */
function column(
  gpu: GpuContext,
  op: ReduceOpName,
  x: GpuStorage,
  tin: ScalarType,
  tout: ScalarType,
  dout: DType,
  g: Geometry,
  chunks: number,
): GpuStorage {
  const n = g.outer * chunks * g.inner;
  const y = gpu.alloc(op, n, dout);
  if (n === 0) return y;
  const p = new ParamList();
  p.ints(n, g.reduce, g.inner, Math.ceil(g.reduce / chunks), chunks);
  const spec = { key: `reduce-col:${op}:${tin}>${tout}`, code: () => columnShader(op, tin, tout), inputs: 1 };
  gpu.dispatch(spec, y, [x], p.words, gpu.groupsFor(n, ELEMENT_WG));
  return y;
}

/** Builds the kernel of one reduction (sum of int32/bool produces int32, arg ops int32). */
export function reduceKernel(name: ReduceOpName): Kernel<ReduceAttrs> {
  return ({ backend, inputs: [x], attrs, out }) => reduce(gpuOf(backend), name, asGpu(x.dataId, name), x.dtype, out.dtype, attrs);
}
