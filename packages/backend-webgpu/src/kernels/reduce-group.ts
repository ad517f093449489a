import {
  BackendError, lowerExpr, type DType, type MultiOutputKernel, type ReduceGroupAttrs, type ReduceGroupEpilogue, type ReduceGroupMember,
  type TensorData,
} from '@tessera/core';
import type { GpuContext } from '../context.js';
import { compileExpr, type CompiledExpr } from '../wgsl/expr.js';
import { PARAMS_DECL, PARAM_WORDS, ParamList, pu } from '../wgsl/params.js';
import { helpersFor } from '../wgsl/special.js';
import { treeLoop } from '../wgsl/tree.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { elementwiseKernel } from './expr.js';
import { gpuOf } from './gpu-of.js';

/** Threads of each member's workgroup. */
const WG = 256;
/**
 * Below this many elements one thread folds the member in order (the others add 0), as the
 * sum kernel's column variant does: the same order, so the same float32 result as eager.
 */
const SEQUENTIAL_BELOW = 64;

/**
 * The `reduceGroup` kernel (core's `BackendImpl.reduceGroup`): independent whole-tensor
 * float32 sums, each of its own expression over its inputs (the prologue), one workgroup per
 * member in one dispatch (as many members as the storage bindings allow): each thread folds a
 * strided share of its member's elements, then the workgroup halves the partials, as the
 * sum kernel's tree does (one thread folds members under 64 elements in order, as its column
 * kernel does). The results equal eager `sum`'s bit for bit up to 4,096 elements; beyond
 * that the sum kernel folds chunks first, and the group is equal within float32 rounding.
 * With an epilogue (the loss's mean), one workgroup folds the members one after the other,
 * the same way, and its first thread computes the epilogue from their results: one dispatch,
 * when every member's buffers and the epilogue's output fit the bindings (else the members'
 * dispatches and an `elementwise` one).
 */
export const reduceGroup: MultiOutputKernel<ReduceGroupAttrs> = ({ backend, inputs, attrs }) => {
  const gpu = gpuOf(backend);
  const { members, epilogue } = attrs;
  const limit = gpu.device.limits.maxStorageBuffersPerShaderStage;
  let at = 0;
  const all = members.map((m) => ({ m, ins: inputs.slice(at, (at += m.inputs)), y: null }));
  const own = inputs.slice(at);
  const bindings = (c: readonly Part[]) => c.reduce((n, p) => n + p.m.inputs + (p.m.internal && epilogue ? 0 : 1), 0);
  if (epilogue && bindings(all) + 1 + own.length <= limit && paramsFit(all, epilogue, own)) {
    const parts = all.map((p) => ({ ...p, y: p.m.internal ? null : gpu.alloc('reduceGroup', 1, p.m.out.dtype) }));
    const e = gpu.alloc('reduceGroup', 1, epilogue.out.dtype);
    dispatchChunk(gpu, parts, { epi: epilogue, ins: own, y: e });
    return [...parts.flatMap((p) => (p.y ? [p.y] : [])), e];
  }
  const outs = members.map((m) => gpu.alloc('reduceGroup', 1, m.out.dtype));
  let chunk: Part[] = [];
  const flush = () => {
    if (chunk.length > 0) dispatchChunk(gpu, chunk);
    chunk = [];
  };
  for (const [j, { m, ins }] of all.entries()) {
    const part = { m, ins, y: outs[j] };
    if (part.m.inputs + 1 > limit) {
      throw new BackendError(`webgpu: reduceGroup: a member of ${part.m.inputs} inputs exceeds ${limit} storage buffers.`);
    }
    if (bindings(chunk) + part.m.inputs + 1 > limit) flush();
    chunk.push(part);
  }
  flush();
  if (!epilogue) return outs;
  const results = outs.map((y, j) => ({ dataId: y, shape: [], dtype: members[j].out.dtype, size: 1 }));
  const reads = epilogue.reads.map((r) => (r < members.length ? results[r] : own[r - members.length]));
  const attrsE = { expr: epilogue.expr, scalars: epilogue.scalars };
  const e = elementwiseKernel({ backend, inputs: reads, attrs: attrsE, out: epilogue.out });
  members.forEach((m, j) => m.internal && gpu.release(outs[j]));
  return [...outs.filter((_, j) => !members[j].internal), e];
};

/** A member with its inputs and its output storage (none for an internal member with an epilogue). */
interface Part {
  readonly m: ReduceGroupMember;
  readonly ins: readonly TensorData[];
  readonly y: GpuStorage | null;
}

/** The epilogue of a one-workgroup dispatch, its own inputs and its output storage. */
interface Tail {
  readonly epi: ReduceGroupEpilogue;
  readonly ins: readonly TensorData[];
  readonly y: GpuStorage;
}

/** The dtype of each input of the epilogue's expression. */
const tailTypes = (parts: readonly Part[], epi: ReduceGroupEpilogue, own: readonly TensorData[]): DType[] =>
  epi.reads.map((r) => (r < parts.length ? parts[r].m.out.dtype : own[r - parts.length].dtype));

/** Whether every member's size and scalar words and the epilogue's fit one dispatch's uniform block. */
function paramsFit(parts: readonly Part[], epi: ReduceGroupEpilogue, own: readonly TensorData[]): boolean {
  const words = (e: ReduceGroupMember | ReduceGroupEpilogue, dtypes: readonly DType[]) =>
    compileExpr(lowerExpr(e.expr, dtypes)).words(e.scalars).length;
  const tail = words(epi, tailTypes(parts, epi, own));
  return parts.reduce((n, p) => n + 1 + words(p.m, p.ins.map((t) => t.dtype)), tail) <= PARAM_WORDS;
}

/**
 * One dispatch: member j is workgroup j (with `tail`: every member in workgroup 0, in
 * order, then the epilogue); the stored outputs bound at 1… (the epilogue's last), then each
 * member's inputs, then the epilogue's own.
 */
function dispatchChunk(gpu: GpuContext, chunk: readonly Part[], tail?: Tail): void {
  const cs: CompiledExpr[] = chunk.map(({ m, ins }) => compileExpr(lowerExpr(m.expr, ins.map((t) => t.dtype))));
  const ce = tail && compileExpr(lowerExpr(tail.epi.expr, tailTypes(chunk, tail.epi, tail.ins)));
  const p = new ParamList();
  const sizeAt = chunk.map(({ m }) => p.ints(m.size));
  const wordsAt = chunk.map(({ m }, j) => p.ints(...cs[j].words(m.scalars)));
  const epiAt = tail && ce ? p.ints(...ce.words(tail.epi.scalars)) : 0;
  if (p.words.length > PARAM_WORDS) throw new BackendError('webgpu: reduceGroup: too many scalars for one dispatch.');
  const kinds = chunk.map(({ m, ins, y }) => ins.map((t) => (t.size === m.size ? 'c' : 's')).join('') + (y ? '' : 'i'));
  const n = chunk.length;
  const ys = [...chunk.flatMap((c) => (c.y ? [c.y] : [])), ...(tail ? [tail.y] : [])];
  const names = [...chunk.flatMap((c, j) => (c.y ? [`y${j}`] : [])), ...(tail ? ['ye'] : [])];
  const decl = [PARAMS_DECL, ...names.map((y, k) => `@group(0) @binding(${1 + k}) var<storage, read_write> ${y}: array<f32>;`)];
  let binding = 1 + ys.length;
  chunk.forEach(({ ins }, j) =>
    ins.forEach((_, k) => decl.push(`@group(0) @binding(${binding++}) var<storage, read> x${j}_${k}: array<${cs[j].inTypes[k]}>;`)),
  );
  const eType = (k: number) => (tail && ce ? ce.inTypes[tail.epi.reads.indexOf(n + k)] : 'f32');
  tail?.ins.forEach((_, k) => decl.push(`@group(0) @binding(${binding++}) var<storage, read> e${k}: array<${eType(k)}>;`));
  const fold = (j: number) => {
    const load = (k: number) => `x${j}_${k}[${kinds[j][k] === 'c' ? 'i' : '0'}]`;
    return `    let R = ${pu(sizeAt[j])}; let seq = R < ${SEQUENTIAL_BELOW}u;
    let step = select(${WG}u, 1u, seq);
    for (var i = select(lid.x, 0u, seq); i < R && (!seq || lid.x == 0u); i += step) {
      var v: f32;
      {
${cs[j].body(load, (w) => pu(wordsAt[j] + w), 'v')}
      }
      acc = acc + v;
    }`;
  };
  const reads = tail?.epi.reads ?? [];
  const epiLoad = (k: number) => (reads[k] < n ? `r${reads[k]}` : `e${reads[k] - n}[0]`);
  const main = ce ? inOneWorkgroup(chunk, fold, ce.body(epiLoad, (w) => pu(epiAt + w), 'v')) : perWorkgroup(n, fold);
  const key = `reduce-group${ce ? `:${ce.id}` : ''}:${cs.map((c, j) => `${c.id}.${kinds[j]}`).join('+')}`;
  const xs = [...chunk.flatMap(({ ins }) => ins), ...(tail?.ins ?? [])].map((t) => asGpu(t.dataId, 'reduceGroup'));
  gpu.dispatch({ key, code: () => [decl.join('\n'), helpersFor(main), main].join('\n'), inputs: xs.length, outputs: ys.length }, ys[0],
    [...ys.slice(1), ...xs], p.words, [tail ? 1 : n, 1, 1]);
}

const TREE = treeLoop(WG, '      red[lid.x] = red[lid.x] + red[lid.x + s];');

/** Member j in workgroup j: each folds its elements, then halves its partials. */
function perWorkgroup(n: number, fold: (j: number) => string): string {
  return `var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  var acc = 0.0;
${Array.from({ length: n }, (_, j) => `  if (wid.x == ${j}u) {\n${fold(j)}\n  }`).join('\n')}
  red[lid.x] = acc;
${TREE}
  if (lid.x == 0u) {
${Array.from({ length: n }, (_, j) => `    if (wid.x == ${j}u) { y${j}[0] = red[0]; }`).join('\n')}
  }
}`;
}

/**
 * Every member in one workgroup, one after the other, each folded and halved as in
 * `perWorkgroup` (its result kept by thread 0, which alone reads red[0] before it rewrites
 * it); then thread 0 stores the stored results and computes the epilogue (`epi`, into `v`).
 */
function inOneWorkgroup(chunk: readonly Part[], fold: (j: number) => string, epi: string): string {
  return `var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u) {
${chunk.map((_, j) => `  var r${j} = 0.0;
  {
    var acc = 0.0;
${fold(j)}
    red[lid.x] = acc;
  }
${TREE}
  if (lid.x == 0u) { r${j} = red[0]; }`).join('\n')}
  if (lid.x == 0u) {
${chunk.flatMap((c, j) => (c.y ? [`    y${j}[0] = r${j};`] : [])).join('\n')}
    var v: f32;
    {
      let i = 0u;
${epi}
    }
    ye[0] = v;
  }
}`;
}
