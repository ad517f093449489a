import {
  BackendError, lowerExpr, type ElementwiseGroupAttrs, type ElementwiseGroupMember, type MultiOutputKernel, type TensorData,
} from '@tessera/core';
import type { GpuContext } from '../context.js';
import { PARAMS_DECL, PARAM_WORDS, ParamList, pu } from '../wgsl/params.js';
import { compileExpr, type CompiledExpr } from '../wgsl/expr.js';
import { ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { gpuOf } from './gpu-of.js';

/**
 * The `elementwiseGroup` kernel (docs/expressions.md, "Grouped updates"): independent calls
 * of one expression (a step's parameter updates) as few dispatches as the device's storage
 * buffers allow. Each member binds its inputs and its output (so no copies into an arena);
 * one dispatch takes as many members as fit `maxStorageBuffersPerShaderStage` (8 on Dawn's
 * null backend: two SGD updates of (parameter, gradient) → new parameter) and the uniform
 * words, each thread computing element i of every member that has one.
 */
export const elementwiseGroup: MultiOutputKernel<ElementwiseGroupAttrs> = ({ backend, inputs, attrs }) => {
  const gpu = gpuOf(backend);
  const { members } = attrs;
  if (members.length === 0) return [];
  const n = members[0].inputs;
  const lowered = lowerExpr(members[0].expr, inputs.slice(0, n).map((t) => t.dtype));
  const c = compileExpr(lowered);
  const wordsPer = c.words(members[0].scalars).length;
  const byBuffers = Math.floor(gpu.device.limits.maxStorageBuffersPerShaderStage / (n + 1));
  const byWords = Math.floor((PARAM_WORDS - 1) / (1 + wordsPer));
  const per = Math.min(byBuffers, byWords);
  if (per < 1) {
    throw new BackendError(`webgpu: elementwiseGroup: a member of ${n} inputs needs ${n + 1} storage buffers, but this device binds ` +
      `${gpu.device.limits.maxStorageBuffersPerShaderStage} per shader; compile with fewer inputs per expression.`);
  }
  const outs = members.map((m) => gpu.alloc('elementwiseGroup', m.out.size, m.out.dtype));
  for (let first = 0; first < members.length; first += per) {
    const chunk = members.slice(first, first + per);
    dispatchChunk(gpu, c, chunk, inputs.slice(first * n, (first + chunk.length) * n), outs.slice(first, first + chunk.length));
  }
  return outs;
};

/** One dispatch over `chunk`: outputs bound at 1…, then each member's inputs in order. */
function dispatchChunk(
  gpu: GpuContext,
  c: CompiledExpr,
  chunk: readonly ElementwiseGroupMember[],
  inputs: readonly TensorData[],
  outs: readonly GpuStorage[],
): void {
  const n = chunk[0].inputs;
  const m = chunk.length;
  const xs = inputs.map((t) => asGpu(t.dataId, 'elementwiseGroup'));
  // An input is read at the flat index (its member's size) or at 0 (one element).
  const kinds = chunk.map((mem, j) => inputs.slice(j * n, j * n + n).map((t) => (t.size === mem.out.size ? 'c' : 's')));
  const p = new ParamList();
  p.ints(Math.max(...chunk.map((mem) => mem.out.size)));
  const sizeAt = chunk.map((mem) => p.ints(mem.out.size));
  const wordsAt = chunk.map((mem) => p.ints(...c.words(mem.scalars)));
  const key = `group:${c.id}:${kinds.map((k) => k.join('')).join('-')}`;
  const code = () => {
    const body = chunk
      .map((_, j) => {
        const load = (k: number) => `x${j}_${k}[${kinds[j][k] === 'c' ? 'i' : '0'}]`;
        return `  if (i < ${pu(sizeAt[j])}) {\n${c.body(load, (q) => pu(wordsAt[j] + q), `y${j}[i]`)}\n  }`;
      })
      .join('\n');
    const decl = [
      PARAMS_DECL,
      ...chunk.map((_, j) => `@group(0) @binding(${1 + j}) var<storage, read_write> y${j}: array<${c.outType}>;`),
      ...chunk.flatMap((_, j) =>
        c.inTypes.map((t, k) => `@group(0) @binding(${1 + m + j * n + k}) var<storage, read> x${j}_${k}: array<${t}>;`),
      ),
    ];
    return [decl.join('\n'), helpersFor(body), perElementMain(body)].join('\n');
  };
  const groups = gpu.groupsFor(Math.max(...chunk.map((mem) => mem.out.size)), ELEMENT_WG);
  gpu.dispatch({ key, code, inputs: xs.length, outputs: m }, outs[0], [...outs.slice(1), ...xs], p.words, groups);
}
