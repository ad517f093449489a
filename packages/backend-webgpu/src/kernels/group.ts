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
 * buffers allow. Each member binds its inputs and its outputs (so no copies into an arena);
 * one dispatch takes as many members as fit `maxStorageBuffersPerShaderStage` (8 on Dawn's
 * null backend: two SGD updates of (parameter, gradient) → new parameter; one Adam member
 * (θ, m, v, gradient) → (θ′, m′, v′)) and the uniform words, each thread computing element i
 * of every output of every member that has one.
 */
export const elementwiseGroup: MultiOutputKernel<ElementwiseGroupAttrs> = ({ backend, inputs, attrs }) => {
  const gpu = gpuOf(backend);
  const { members } = attrs;
  if (members.length === 0) return [];
  const n = members[0].inputs;
  const dtypes = inputs.slice(0, n).map((t) => t.dtype);
  const cs = members[0].outputs.map((o) => compileExpr(lowerExpr(o.expr, dtypes)));
  const outsPer = cs.length;
  const wordsPer = cs.reduce((w, c, q) => w + c.words(members[0].scalars).length + (q === 0 ? 1 : 0), 0);
  const limit = gpu.device.limits.maxStorageBuffersPerShaderStage;
  const byBuffers = Math.floor(limit / (n + outsPer));
  const byWords = Math.floor((PARAM_WORDS - 1) / wordsPer);
  const per = Math.min(byBuffers, byWords);
  if (per < 1) {
    throw new BackendError(`webgpu: elementwiseGroup: a member of ${n} inputs and ${outsPer} outputs needs ${n + outsPer} storage ` +
      `buffers and ${wordsPer} uniform words, but this device binds ${limit} per shader; compile with fewer inputs per expression.`);
  }
  const outs = members.map((m) => m.outputs.map((o) => gpu.alloc('elementwiseGroup', o.out.size, o.out.dtype)));
  for (let first = 0; first < members.length; first += per) {
    const chunk = members.slice(first, first + per);
    dispatchChunk(gpu, cs, chunk, inputs.slice(first * n, (first + chunk.length) * n), outs.slice(first, first + chunk.length).flat());
  }
  return outs.flat();
};

/** One dispatch over `chunk`: outputs bound at 1… (member by member), then each member's inputs in order. */
function dispatchChunk(
  gpu: GpuContext,
  cs: readonly CompiledExpr[],
  chunk: readonly ElementwiseGroupMember[],
  inputs: readonly TensorData[],
  outs: readonly GpuStorage[],
): void {
  const n = chunk[0].inputs;
  const q = cs.length;
  const m = chunk.length;
  const xs = inputs.map((t) => asGpu(t.dataId, 'elementwiseGroup'));
  // An input is read at the flat index (its member's size) or at 0 (one element).
  const sizeOf = (mem: ElementwiseGroupMember) => mem.outputs[0].out.size;
  const kinds = chunk.map((mem, j) => inputs.slice(j * n, j * n + n).map((t) => (t.size === sizeOf(mem) ? 'c' : 's')));
  const p = new ParamList();
  p.ints(Math.max(...chunk.map(sizeOf)));
  const sizeAt = chunk.map((mem) => p.ints(sizeOf(mem)));
  const wordsAt = chunk.map((mem) => cs.map((c) => p.ints(...c.words(mem.scalars))));
  const key = `group:${cs.map((c) => c.id).join('+')}:${kinds.map((k) => k.join('')).join('-')}`;
  const code = () => {
    const body = chunk
      .map((_, j) => {
        const load = (k: number) => `x${j}_${k}[${kinds[j][k] === 'c' ? 'i' : '0'}]`;
        // Each output in its own block: the compiled bodies name their temporaries alike.
        const each = cs.map((c, o) => `    {\n${c.body(load, (w) => pu(wordsAt[j][o] + w), `y${j}_${o}[i]`)}\n    }`);
        return `  if (i < ${pu(sizeAt[j])}) {\n${each.join('\n')}\n  }`;
      })
      .join('\n');
    const decl = [
      PARAMS_DECL,
      ...chunk.flatMap((_, j) =>
        cs.map((c, o) => `@group(0) @binding(${1 + j * q + o}) var<storage, read_write> y${j}_${o}: array<${c.outType}>;`),
      ),
      ...chunk.flatMap((_, j) =>
        cs[0].inTypes.map((t, k) => `@group(0) @binding(${1 + m * q + j * n + k}) var<storage, read> x${j}_${k}: array<${t}>;`),
      ),
    ];
    return [decl.join('\n'), helpersFor(body), perElementMain(body)].join('\n');
  };
  const groups = gpu.groupsFor(Math.max(...chunk.map(sizeOf)), ELEMENT_WG);
  gpu.dispatch({ key, code, inputs: xs.length, outputs: m * q }, outs[0], [...outs.slice(1), ...xs], p.words, groups);
}
