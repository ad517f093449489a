import { kernelFamily, REDUCE_OPS, type AnyKernel, type PrimitiveKernels } from '@tessera/core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { elementwiseKernel } from './expr.js';
import { matmul } from './matmul.js';
import { broadcastTo, concat, flip, gather, pad, scatterAdd, slice, transpose } from './movement.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pooling.js';
import { random } from './random.js';
import { reduceKernel } from './reduce.js';
import { fusedKernels } from './softmax.js';
import { crossEntropyKernels } from './cross-entropy.js';
import { biasAddGradKernels } from './bias-add-grad.js';
import { attention, attentionLse } from './attention.js';
import { attentionBackward } from './attention-backward.js';

/**
 * The WebGPU backend's kernels for the primitives that are not expressions. Every op with
 * an expression (`OpDef.elementwise`: the unary and binary families, `where`, `cast`, the
 * optimizer updates of @tessera/optim, a plugin's op) has no kernel of its own and runs
 * through `elementwise`, the one expression compiler (test/expr.test.ts checks that every
 * primitive has one or the other).
 */
const primitiveKernels = {
  elementwise: elementwiseKernel,
  ...kernelFamily(REDUCE_OPS, reduceKernel),
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
} satisfies Partial<PrimitiveKernels<AnyKernel>> & { readonly elementwise: AnyKernel };

/**
 * The WebGPU kernel table: the primitives above plus fused kernels for hot composites
 * (softmax, logSoftmax, softmaxCrossEntropy and its gradient, biasAddGrad). biasActivation
 * and biasActivationGrad are core expressions: they run through `elementwise`, and in
 * compiled steps as matmul/conv epilogues.
 */
export const webgpuKernels: Readonly<Record<string, AnyKernel>> = {
  ...primitiveKernels,
  ...fusedKernels,
  ...crossEntropyKernels,
  ...biasAddGradKernels,
  scaledDotProductAttention: attention as AnyKernel,
  scaledDotProductAttentionLse: attentionLse as AnyKernel,
  scaledDotProductAttentionBackward: attentionBackward as AnyKernel,
};
