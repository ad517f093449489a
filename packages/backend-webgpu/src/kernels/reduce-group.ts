import {
  BackendError, lowerExpr, type MultiOutputKernel, type ReduceGroupAttrs, type ReduceGroupMember, type TensorData,
} from '@tessera/core';
import type { GpuContext } from '../context.js';
import { compileExpr, type CompiledExpr } from '../wgsl/expr.js';
import { PARAMS_DECL, PARAM_WORDS, ParamList, pu } from '../wgsl/params.js';
import { helpersFor } from '../wgsl/special.js';
import { treeLoop } from '../wgsl/tree.js';
import { asGpu, type GpuStorage } from '../storage.js';
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
 */
export const reduceGroup: MultiOutputKernel<ReduceGroupAttrs> = ({ backend, inputs, attrs }) => {
  const gpu = gpuOf(backend);
  const { members } = attrs;
  const limit = gpu.device.limits.maxStorageBuffersPerShaderStage;
  const outs = members.map((m) => gpu.alloc('reduceGroup', 1, m.out.dtype));
  let at = 0;
  let chunk: { m: ReduceGroupMember; ins: TensorData[]; y: GpuStorage }[] = [];
  const flush = () => {
    if (chunk.length > 0) dispatchChunk(gpu, chunk);
    chunk = [];
  };
  members.forEach((m, j) => {
    const ins = inputs.slice(at, (at += m.inputs));
    if (m.inputs + 1 > limit) {
      throw new BackendError(`webgpu: reduceGroup: a member of ${m.inputs} inputs exceeds ${limit} storage buffers.`);
    }
    const used = chunk.reduce((n, c) => n + c.m.inputs + 1, 0);
    if (used + m.inputs + 1 > limit) flush();
    chunk.push({ m, ins, y: outs[j] });
  });
  flush();
  return outs;
};

/** One dispatch: member j is workgroup j; outputs bound at 1…, then each member's inputs. */
function dispatchChunk(gpu: GpuContext, chunk: readonly { m: ReduceGroupMember; ins: TensorData[]; y: GpuStorage }[]): void {
  const cs: CompiledExpr[] = chunk.map(({ m, ins }) => compileExpr(lowerExpr(m.expr, ins.map((t) => t.dtype))));
  const p = new ParamList();
  const sizeAt = chunk.map(({ m }) => p.ints(m.size));
  const wordsAt = chunk.map(({ m }, j) => p.ints(...cs[j].words(m.scalars)));
  if (p.words.length > PARAM_WORDS) throw new BackendError('webgpu: reduceGroup: too many scalars for one dispatch.');
  const kinds = chunk.map(({ m, ins }) => ins.map((t) => (t.size === m.size ? 'c' : 's')).join(''));
  const n = chunk.length;
  let binding = 1 + n;
  const decl = [PARAMS_DECL, ...chunk.map((_, j) => `@group(0) @binding(${1 + j}) var<storage, read_write> y${j}: array<f32>;`)];
  chunk.forEach(({ ins }, j) =>
    ins.forEach((_, k) => decl.push(`@group(0) @binding(${binding++}) var<storage, read> x${j}_${k}: array<${cs[j].inTypes[k]}>;`)),
  );
  const folds = chunk.map((_, j) => {
    const load = (k: number) => `x${j}_${k}[${kinds[j][k] === 'c' ? 'i' : '0'}]`;
    return `  if (wid.x == ${j}u) {
    let R = ${pu(sizeAt[j])}; let seq = R < ${SEQUENTIAL_BELOW}u;
    let step = select(${WG}u, 1u, seq);
    for (var i = select(lid.x, 0u, seq); i < R && (!seq || lid.x == 0u); i += step) {
      var v: f32;
      {
${cs[j].body(load, (w) => pu(wordsAt[j] + w), 'v')}
      }
      acc = acc + v;
    }
  }`;
  });
  const main = `var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  var acc = 0.0;
${folds.join('\n')}
  red[lid.x] = acc;
${treeLoop(WG, '      red[lid.x] = red[lid.x] + red[lid.x + s];')}
  if (lid.x == 0u) {
${chunk.map((_, j) => `    if (wid.x == ${j}u) { y${j}[0] = red[0]; }`).join('\n')}
  }
}`;
  const key = `reduce-group:${cs.map((c, j) => `${c.id}.${kinds[j]}`).join('+')}`;
  const xs = chunk.flatMap(({ ins }) => ins.map((t) => asGpu(t.dataId, 'reduceGroup')));
  const ys = chunk.map((c) => c.y);
  gpu.dispatch({ key, code: () => [decl.join('\n'), helpersFor(main), main].join('\n'), inputs: xs.length, outputs: n }, ys[0],
    [...ys.slice(1), ...xs], p.words, [n, 1, 1]);
}
