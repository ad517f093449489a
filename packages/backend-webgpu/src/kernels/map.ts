import { BackendError, type OutputSpec, type TensorData } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { pu, ParamList } from '../wgsl/params.js';
import type { ScalarType } from '../wgsl/scalar.js';
import { bindings, ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { indexOperands } from './operands.js';

/**
 * One elementwise map over broadcast inputs, `y[i] = f(inputs at i)`: what the expression
 * kernel (`kernels/expr.ts`) runs. `key` names `f` in the pipeline key (with the layout).
 */
export interface MapSpec {
  /** Names the shader body in the pipeline key: everything the code depends on but the layout. */
  readonly key: string;
  /** Names the kernel in errors and allocations. */
  readonly op: string;
  readonly inTypes: readonly ScalarType[];
  readonly outType: ScalarType;
  /**
   * WGSL statements computing `y[i]`: `load(k)` reads input k at element i, `word(j)` is
   * uniform word j of `words`.
   */
  readonly body: (load: (k: number) => string, word: (j: number) => string) => string;
  /** Uniform words the body reads (scalars: not in the key, so new values reuse the pipeline). */
  readonly words: readonly number[];
}

/**
 * Runs a map over `inputs` broadcast to `out.shape` (indexed as `indexOperands` lays them
 * out: directly where contiguous or scalar, else by per-input strides).
 */
export function runMap(gpu: GpuContext, spec: MapSpec, inputs: readonly TensorData[], out: OutputSpec): GpuStorage {
  const maxBuffers = gpu.device.limits.maxStorageBuffersPerShaderStage;
  if (inputs.length + 1 > maxBuffers) {
    throw new BackendError(`webgpu: ${spec.op}: ${inputs.length} inputs and the output need ${inputs.length + 1} storage buffers, but ` +
      `this device binds ${maxBuffers} per shader; split the expression into calls of at most ${maxBuffers - 1} inputs.`);
  }
  const y = gpu.alloc(spec.op, out.size, out.dtype);
  if (out.size === 0) return y;
  const xs = inputs.map((t) => asGpu(t.dataId, spec.op));
  const p = new ParamList();
  p.ints(out.size);
  const { pattern, index, offsets } = indexOperands(out.shape, inputs.map((t) => t.shape), p);
  const wordsAt = p.ints(...spec.words);
  const key = `map:${spec.key}:${pattern}`;
  const code = () => {
    const body = [offsets, spec.body((k) => `x${k}[${index(k)}]`, (j) => pu(wordsAt + j))].join('\n');
    return [
      bindings({ name: 'y', type: spec.outType }, spec.inTypes.map((t, k) => ({ name: `x${k}`, type: t }))),
      helpersFor(body),
      perElementMain(body),
    ].join('\n');
  };
  gpu.dispatch({ key, code, inputs: xs.length }, y, xs, p.words, gpu.groupsFor(out.size, ELEMENT_WG));
  return y;
}
