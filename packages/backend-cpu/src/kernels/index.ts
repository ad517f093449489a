import {
  REDUCE_OPS,
  kernelFamily,
  type AnyKernel,
  type BinaryOpName,
  type PrimitiveKernels,
  type UnaryOpName,
} from '@tessera/core';
import { attention, attentionLse } from './attention.js';
import { attentionBackward } from './attention-backward.js';
import { softmaxKernels } from './softmax.js';
import { wasmAttention, wasmAttentionBackward } from './attention-wasm.js';
import { batchNormKernels, wasmBatchNormKernels } from './batch-norm.js';
import { wasmBatchNormPasses } from './batch-norm-wasm.js';
import { biasActivationKernels } from './bias-activation.js';
import { wasmBiasActivationGrad, wasmBiasActivationKernel, wasmBiasAddGrad } from './bias-wasm.js';
import type { WasmEngine } from '../wasm/engine.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from './conv-wasm.js';
import { WINOGRAD_DEFAULTS } from './winograd.js';
import { guardKernels, WASM_GEMM_OPS } from './limits.js';
import { matmul } from './matmul.js';
import { wasmMatmul } from './matmul-wasm.js';
import { broadcastTo, concat, flip, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward } from './pooling-wasm.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pooling.js';
import { random } from './random.js';
import { reduceKernel } from './reduce.js';
import { elementwiseKernel } from './expr.js';
import { CpuMemory } from './storage.js';

/**
 * Primitives that carry their expression (`OpDef.elementwise`): the backend has no kernel
 * of their own, the engine runs them through the `elementwise` kernel.
 */
type ExpressionOps = UnaryOpName | BinaryOpName | 'leakyRelu' | 'elu' | 'clip' | 'cast' | 'where';

/** The TypeScript kernels (and the expression kernel on `engine`, if any), unguarded. */
function tsKernels(engine: WasmEngine | null) {
  return {
    ...kernelFamily(REDUCE_OPS, reduceKernel),
    matmul: matmul,
    transpose: transpose,
    broadcastTo: broadcastTo,
    slice: slice,
    concat: concat,
    pad: pad,
    flip: flip,
    gather: gather,
    scatterAdd: scatterAdd,
    conv2d: conv2d,
    conv2dBackpropInput: conv2dBackpropInput,
    conv2dBackpropFilter: conv2dBackpropFilter,
    maxPool2d: maxPool2d,
    maxPool2dBackward: maxPool2dBackward,
    avgPool2d: avgPool2d,
    avgPool2dBackward: avgPool2dBackward,
    random: random,
    // Fused composites (not primitives; a spread so `satisfies` still checks the primitives).
    ...biasActivationKernels,
    ...batchNormKernels,
    ...{
      scaledDotProductAttention: attention as AnyKernel,
      scaledDotProductAttentionLse: attentionLse as AnyKernel,
      scaledDotProductAttentionBackward: attentionBackward as AnyKernel,
      ...(softmaxKernels(null) as Record<'softmax' | 'logSoftmax', AnyKernel>),
    },
    ...{ elementwise: elementwiseKernel(engine) as AnyKernel },
  } satisfies Omit<PrimitiveKernels<AnyKernel>, ExpressionOps>;
}

/** A kernel table of the CPU backend. */
export type CpuKernelTable = ReturnType<typeof tsKernels>;

/**
 * A CPU kernel table over `memory` (one backend instance's pools and scratch): every
 * primitive without an expression (a missing one is a compile error), the expression
 * kernel for the rest, each checking its output size before allocating. With `engine`,
 * float32 matmul, the three conv kernels (Winograd for 3×3 stride-1 convs unless
 * `options.winograd` is false), max pooling and expressions (optimizer updates
 * included: @tessera/optim defines them as expressions) run in its WebAssembly module
 * (other dtypes still run TypeScript).
 */
export function kernelTable(engine: WasmEngine | null, memory: CpuMemory, options: { readonly winograd?: boolean } = {}): CpuKernelTable {
  if (!engine) return guardKernels(tsKernels(null), memory);
  const elementwise = elementwiseKernel(engine);
  const wino = options.winograd === false ? null : WINOGRAD_DEFAULTS;
  return guardKernels({
    ...tsKernels(engine),
    elementwise: elementwise as AnyKernel,
    maxPool2d: wasmMaxPool2d(engine),
    maxPool2dBackward: wasmMaxPool2dBackward(engine),
    matmul: wasmMatmul(engine),
    conv2d: wasmConv2d(engine, undefined, wino),
    conv2dBackpropInput: wasmConv2dBackpropInput(engine, undefined, wino),
    conv2dBackpropFilter: wasmConv2dBackpropFilter(engine, undefined, wino),
    biasActivation: wasmBiasActivationKernel(engine, elementwise) as AnyKernel,
    biasActivationGrad: wasmBiasActivationGrad(elementwise) as AnyKernel,
    biasAddGrad: wasmBiasAddGrad(engine) as AnyKernel,
    ...wasmBatchNormKernels(elementwise, wasmBatchNormPasses(engine)),
    scaledDotProductAttention: wasmAttention(engine) as AnyKernel,
    scaledDotProductAttentionLse: wasmAttention(engine, true) as AnyKernel,
    scaledDotProductAttentionBackward: wasmAttentionBackward(engine) as AnyKernel,
    ...(softmaxKernels(engine) as Record<'softmax' | 'logSoftmax', AnyKernel>),
  }, memory, WASM_GEMM_OPS);
}

/**
 * The TypeScript kernel table (no wasm) over a memory of its own, for callers outside a
 * backend instance. Unary, binary, where and cast ops have no entry: they run through
 * `elementwise` with their expression (`OpDef.elementwise`).
 */
export const cpuKernels: CpuKernelTable = kernelTable(null, new CpuMemory());

