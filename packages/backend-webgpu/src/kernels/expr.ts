import { lowerExpr, type ElementwiseAttrs, type Kernel, type LoweredExpr, type OutputSpec, type TensorData } from '@tessera/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { compileExpr } from '../wgsl/expr.js';
import { gpuOf } from './gpu-of.js';
import { runMap } from './map.js';

/**
 * Runs a lowered expression over `inputs` broadcast to `out`: one dispatch of the WGSL
 * that `compileExpr` generates, its pipeline cached by the expression's structural key
 * and the layout variant, `scalars` passed as uniform words (new values reuse the pipeline
 * and, in a compiled step, only rewrite those words).
 */
export function runExpr(
  gpu: GpuContext,
  lowered: LoweredExpr,
  scalars: readonly number[],
  inputs: readonly TensorData[],
  out: OutputSpec,
): GpuStorage {
  const c = compileExpr(lowered);
  const spec = { key: `expr:${c.id}`, op: 'elementwise', inTypes: c.inTypes, outType: c.outType, body: c.body, words: c.words(scalars) };
  return runMap(gpu, spec, inputs, out);
}

/**
 * The `elementwise` kernel: every elementwise op without a kernel of its own (the unary
 * and binary families, `where`, `cast`, optimizer updates, a plugin's expression op) runs
 * here, through the engine's `OpDef.elementwise`.
 */
export const elementwiseKernel: Kernel<ElementwiseAttrs> = ({ backend, inputs, attrs, out }) =>
  runExpr(gpuOf(backend), lowerExpr(attrs.expr, inputs.map((t) => t.dtype)), attrs.scalars, inputs, out);
