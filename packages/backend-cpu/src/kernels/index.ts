import { optimKernels, wasmOptimKernels } from './optim.js';
import {
  BINARY_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  type AnyKernel,
  type BinaryOpName,
  type PrimitiveKernels,
  type ReduceOpName,
  type UnaryOpName,
} from '@tessera/core';
import { binaryKernel, where } from './binary.js';
import { batchNormKernels } from './batch-norm.js';
import { biasActivationKernels, wasmBiasActivation } from './bias-activation.js';
import type { WasmGemm } from '../wasm/engine.js';
import { WASM_BINARY, WASM_UNARY, type WasmBinaryName, type WasmUnaryName } from '../wasm/elementwise-module.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from './conv-wasm.js';
import { wasmBinary, wasmUnary } from './elementwise-wasm.js';
import { guardKernels, WASM_GEMM_OPS } from './limits.js';
import { matmul } from './matmul.js';
import { wasmMatmul } from './matmul-wasm.js';
import { broadcastTo, concat, flip, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { wasmMaxPool2d, wasmMaxPool2dBackward } from './pool-wasm.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { random } from './random.js';
import { reduceKernel } from './reduce.js';
import { unaryKernel } from './unary.js';
import { elementwiseKernel } from './expr.js';

/** Builds one kernel per name of a family. */
function family<N extends string>(names: readonly N[], make: (name: N) => AnyKernel): Record<N, AnyKernel> {
  const table = {} as Record<N, AnyKernel>;
  for (const name of names) table[name] = make(name);
  return table;
}

/** The TypeScript kernels, unguarded. */
const tsKernels = {
  ...family<UnaryOpName>(UNARY_OPS, unaryKernel),
  leakyRelu: unaryKernel('leakyRelu'),
  elu: unaryKernel('elu'),
  clip: unaryKernel('clip'),
  cast: unaryKernel('cast'),
  ...family<BinaryOpName>(BINARY_OPS, binaryKernel),
  where: where,
  ...family<ReduceOpName>(REDUCE_OPS, reduceKernel),
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
  ...optimKernels,
  ...{ elementwise: elementwiseKernel },
} satisfies PrimitiveKernels<AnyKernel>;

/**
 * Every primitive kernel of the CPU backend (a missing primitive is a compile error), each
 * checking its output size before allocating (a BackendError naming the op and the shape).
 */
export const cpuKernels = guardKernels(tsKernels);

/**
 * The CPU kernel table with float32 matmul, the three conv kernels, max pooling and the
 * hot elementwise ops in the WebAssembly module of `engine` (other dtypes still run the
 * TypeScript kernels).
 */
export function wasmKernels(engine: WasmGemm): typeof cpuKernels {
  return guardKernels({
    ...tsKernels,
    ...family(Object.keys(WASM_BINARY) as WasmBinaryName[], (name) => wasmBinary(engine, name)),
    ...family(Object.keys(WASM_UNARY) as WasmUnaryName[], (name) => wasmUnary(engine, name)),
    maxPool2d: wasmMaxPool2d(engine),
    maxPool2dBackward: wasmMaxPool2dBackward(engine),
    matmul: wasmMatmul(engine),
    conv2d: wasmConv2d(engine),
    conv2dBackpropInput: wasmConv2dBackpropInput(engine),
    conv2dBackpropFilter: wasmConv2dBackpropFilter(engine),
    biasActivation: wasmBiasActivation(engine),
    ...wasmOptimKernels(engine),
  }, WASM_GEMM_OPS);
}
