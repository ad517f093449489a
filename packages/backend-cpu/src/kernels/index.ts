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
import type { WasmGemm } from '../wasm/engine.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from './conv-wasm.js';
import { matmul } from './matmul.js';
import { wasmMatmul } from './matmul-wasm.js';
import { broadcastTo, concat, flip, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { random } from './random.js';
import { reduceKernel } from './reduce.js';
import { unaryKernel } from './unary.js';

/** Builds one kernel per name of a family. */
function family<N extends string>(names: readonly N[], make: (name: N) => AnyKernel): Record<N, AnyKernel> {
  const table = {} as Record<N, AnyKernel>;
  for (const name of names) table[name] = make(name);
  return table;
}

/** Every primitive kernel of the CPU backend (a missing primitive is a compile error). */
export const cpuKernels = {
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
} satisfies PrimitiveKernels<AnyKernel>;

/**
 * The CPU kernel table with float32 matmul and the three conv kernels on the
 * WebAssembly SIMD GEMM of `engine` (other dtypes still run the TypeScript kernels).
 */
export function wasmKernels(engine: WasmGemm): typeof cpuKernels {
  return {
    ...cpuKernels,
    matmul: wasmMatmul(engine),
    conv2d: wasmConv2d(engine),
    conv2dBackpropInput: wasmConv2dBackpropInput(engine),
    conv2dBackpropFilter: wasmConv2dBackpropFilter(engine),
  };
}
