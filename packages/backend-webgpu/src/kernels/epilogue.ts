import { BackendError, lowerExpr, type DType, type EpilogueAttrs, type OutputSpec, type TensorData } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { compileExpr } from '../wgsl/expr.js';
import { PARAM_WORDS, ParamList, pu } from '../wgsl/params.js';
import type { ScalarType } from '../wgsl/scalar.js';
import type { BindingDecl } from '../wgsl/shader.js';
import { runExpr } from './expr.js';
import { indexOperands } from './operands.js';

/**
 * What an epilogue kernel (matmul, conv2d: `BackendImpl.epilogueKernels`) was called with:
 * the `epilogue` attribute, the extra inputs that follow the kernel's own, and the dtype of
 * the kernel's own result (the expression's `input(0)`).
 */
export interface EpilogueCall {
  readonly attrs: EpilogueAttrs;
  readonly extras: readonly TensorData[];
  readonly raw: DType;
}

/** Splits a kernel's inputs into its own `own` and an epilogue call (undefined without an `epilogue` attribute). */
export function epilogueOf(
  attrs: { readonly epilogue?: EpilogueAttrs },
  inputs: readonly TensorData[],
  own: number,
  raw: DType,
): EpilogueCall | undefined {
  const e = attrs.epilogue;
  if (!e) return undefined;
  return { attrs: e, extras: inputs.slice(own), raw };
}

/**
 * An epilogue compiled into a kernel's store: WGSL `fn put(i: u32, v: RAW)` that computes
 * the expression from the raw value `v` and the extra inputs at flat output index `i`
 * (broadcast by strides in uniform words) and stores it into `y[i]`.
 */
export interface StoreEpilogue {
  /** Pipeline-key part: the expression's structural id and the operand layout (no scalar values). */
  readonly key: string;
  /** Storage bindings of the extra inputs (after the kernel's own). */
  readonly bindings: readonly BindingDecl[];
  /** WGSL of `put` (the kernel adds the helper functions, `helpersFor`, once for all its code). */
  readonly code: string;
  /** The output's storage type. */
  readonly outType: ScalarType;
  /** Uniform words from word `wordsAt` on: extra inputs' layout, then the scalars. */
  readonly words: readonly number[];
  readonly inputs: readonly GpuStorage[];
}

/** WGSL `put` of a kernel without an epilogue. */
export const plainPut = (type: ScalarType): string => `fn put(i: u32, v: ${type}) { y[i] = v; }`;

/**
 * Compiles `call` into a store for a kernel that binds `ownInputs` inputs and whose own
 * uniform words end before `wordsAt`; null when it does not fit (uniform words or storage
 * bindings), and the kernel then applies it as a separate pass (`applyEpilogue`).
 */
export function storeEpilogue(
  gpu: GpuContext,
  call: EpilogueCall,
  out: OutputSpec,
  ownInputs: number,
  wordsAt: number,
): StoreEpilogue | null {
  const { attrs, extras, raw } = call;
  if (ownInputs + extras.length + 1 > gpu.device.limits.maxStorageBuffersPerShaderStage) return null;
  const c = compileExpr(lowerExpr(attrs.expr, [raw, ...extras.map((t) => t.dtype)]));
  const p = new ParamList();
  p.ints(...new Array<number>(wordsAt).fill(0));
  const { pattern, index, offsets } = indexOperands(out.shape, extras.map((t) => t.shape), p);
  const scalarsAt = p.ints(...c.words(attrs.scalars));
  if (p.words.length > PARAM_WORDS) return null;
  const names = extras.map((_, k) => `e${k}`);
  const body = [offsets, c.body((k) => (k === 0 ? 'v' : `${names[k - 1]}[${index(k - 1)}]`), (j) => pu(scalarsAt + j))].join('\n');
  return {
    key: `epi-${c.id}-${pattern}`,
    bindings: names.map((name, k) => ({ name, type: c.inTypes[k + 1] })),
    code: `fn put(i: u32, v: ${c.inTypes[0]}) {\n${body}\n}`,
    outType: c.outType,
    words: p.words.slice(wordsAt),
    inputs: extras.map((t) => asGpu(t.dataId, 'epilogue')),
  };
}

/** Applies an epilogue to a kernel's finished raw result `y` as one expression dispatch (releases `y`). */
export function applyEpilogue(gpu: GpuContext, call: EpilogueCall, y: GpuStorage, out: OutputSpec): GpuStorage {
  if (y.dtype !== call.raw)
    throw new BackendError(`webgpu: epilogue: the kernel's result is ${y.dtype}, the epilogue expects ${call.raw}.`);
  const lowered = lowerExpr(call.attrs.expr, [call.raw, ...call.extras.map((t) => t.dtype)]);
  const result = runExpr(
    gpu,
    lowered,
    call.attrs.scalars,
    [{ dataId: y, shape: out.shape, dtype: call.raw, size: out.size }, ...call.extras],
    out,
  );
  gpu.release(y);
  return result;
}
