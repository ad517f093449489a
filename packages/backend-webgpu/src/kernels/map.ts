import { broadcastStrides, stridesOf, type OutputSpec, type TensorData } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { pf, ParamList } from '../wgsl/params.js';
import type { ScalarType } from '../wgsl/scalar.js';
import { bindings, ELEMENT_WG, perElementMain, stridedOffsets } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { coalesce } from './layout.js';

/**
 * One elementwise op over broadcast inputs: `out[i] = expr(inputs at i)`. Unary, binary,
 * `where` and `cast` kernels are all this with a different expression.
 */
export interface MapSpec {
  /** Names the expression in the pipeline key (with the types). */
  readonly name: string;
  /** WGSL variable names the expression reads, one per input (e.g. `['a', 'b']`). */
  readonly vars: readonly string[];
  readonly inTypes: readonly ScalarType[];
  readonly outType: ScalarType;
  /** WGSL expression in `vars` and the float attributes `a0`, `a1`, … */
  readonly expr: string;
  /** Float attributes (uniforms, so they do not enter the key). */
  readonly attrs?: readonly number[];
}

/**
 * Runs a map over `inputs` broadcast to `out.shape`. After coalescing, inputs that are
 * contiguous or scalar are indexed directly (`flat` variant, keyed by which input is
 * which); anything else walks per-input strides (keyed by the coalesced rank).
 */
export function runMap(gpu: GpuContext, spec: MapSpec, inputs: readonly TensorData[], out: OutputSpec): GpuStorage {
  const y = gpu.alloc(spec.name, out.size, out.dtype);
  if (out.size === 0) return y;
  const xs = inputs.map((t) => asGpu(t.dataId, spec.name));
  const lay = coalesce(out.shape, [stridesOf(out.shape), ...inputs.map((t) => broadcastStrides(t.shape, out.shape))]);
  const rank = lay.shape.length;
  const inStrides = lay.strides.slice(1);
  const flat = rank <= 1 && inStrides.every((s) => rank === 0 || s[0] === 1 || s[0] === 0);
  const p = new ParamList();
  p.ints(out.size);
  let pattern: string;
  let index: (k: number) => string;
  let offsets = '';
  if (flat) {
    const kinds = inStrides.map((s) => (rank === 1 && s[0] === 0 ? 's' : 'c'));
    pattern = `flat-${kinds.join('')}`;
    index = (k) => (kinds[k] === 's' ? '0' : 'i');
  } else {
    const shapeAt = p.ints(...lay.shape);
    const strideAt = inStrides.map((s) => p.ints(...s));
    pattern = `r${rank}`;
    offsets = stridedOffsets(rank, shapeAt, strideAt);
    index = (k) => `u32(o${k})`;
  }
  const attrAt = p.floats(...(spec.attrs ?? []));
  const key = `map:${spec.name}:${spec.inTypes.join(',')}>${spec.outType}:${pattern}`;
  const code = () => {
    const attrs = (spec.attrs ?? []).map((_, j) => `  let a${j} = ${pf(attrAt + j)};`);
    const loads = spec.vars.map((v, k) => `  let ${v} = x${k}[${index(k)}];`);
    const body = [offsets, ...attrs, ...loads, `  y[i] = ${spec.expr};`].join('\n');
    return [
      bindings({ name: 'y', type: spec.outType }, spec.inTypes.map((t, k) => ({ name: `x${k}`, type: t }))),
      helpersFor(spec.expr),
      perElementMain(body),
    ].join('\n');
  };
  gpu.dispatch({ key, code, inputs: xs.length }, y, xs, p.words, gpu.groupsFor(out.size, ELEMENT_WG));
  return y;
}

