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
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { binaryKernel, cast, unaryKernel, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { broadcastTo, concat, flip, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { random } from './random.js';
import { reduceKernel } from './reduce.js';
import { optimKernels } from './optim.js';
import { fusedKernels } from './softmax.js';
import { crossEntropyKernels } from './cross-entropy.js';
import { biasActivationKernels } from './bias-activation.js';

/** Builds one kernel per name of a family. */
function family<N extends string>(names: readonly N[], make: (name: N) => AnyKernel): Record<N, AnyKernel> {
  const table = {} as Record<N, AnyKernel>;
  for (const name of names) table[name] = make(name);
  return table;
}

/** Every primitive kernel of the WebGPU backend (a missing primitive is a compile error). */
export const primitiveKernels = {
  ...family<UnaryOpName>(UNARY_OPS, unaryKernel),
  leakyRelu: unaryKernel('leakyRelu'),
  elu: unaryKernel('elu'),
  clip: unaryKernel('clip'),
  cast,
  ...family<BinaryOpName>(BINARY_OPS, binaryKernel),
  where,
  ...family<ReduceOpName>(REDUCE_OPS, reduceKernel),
  matmul,
  transpose,
  broadcastTo,
  slice,
  concat,
  pad,
  flip,
  gather,
  scatterAdd,
  conv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  random,
} satisfies PrimitiveKernels<AnyKernel>;

/**
 * The WebGPU kernel table: every primitive plus fused kernels for hot composites
 * (softmax, logSoftmax, softmaxCrossEntropy and its gradient, biasActivation and its two
 * gradient composites, and the optimizer updates of @tessera/optim).
 */
export const webgpuKernels: Readonly<Record<string, AnyKernel>> = { ...primitiveKernels, ...fusedKernels, ...crossEntropyKernels, ...biasActivationKernels, ...optimKernels };
