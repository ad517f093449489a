/**
 * @packageDocumentation
 * Tessera core: tensors, the op registry, autograd, memory scopes and the plugin API.
 * Install a backend (`use(cpu())` from @tessera/backend-cpu) and start computing.
 */
import { setAutogradDeps } from './autograd.js';
import { keep, tidy } from './memory.js';
import { add } from './ops/binary.js';
import { onesLike, zerosLike } from './ops/creation.js';
import { share } from './ops/convert.js';
import { checkSingleCopy } from './version.js';
import { elementwiseDefs, primitiveDefs } from './defs.js';
import { nnDefs } from './ops/nn.js';
import { movementDefs } from './ops/movement.js';
import { softmaxCrossEntropyDef, softmaxCrossEntropyGradDef } from './ops/loss.js';
import { biasActivationDef, biasActivationGradDef, biasAddGradDef } from './ops/bias-activation.js';
import { scaledDotProductAttentionDef } from './ops/attention.js';
import { scaledDotProductAttentionBackwardDef, scaledDotProductAttentionLseDef } from './ops/attention-fused.js';
import { batchNormDef, batchNormInputGradDef, batchNormParamGradDef, batchNormStatsDef } from './ops/batch-norm.js';
import { registerOp } from './registry.js';
import type { OpDef } from './op.js';

setAutogradDeps({ add, onesLike, zerosLike, share: (t) => share(t), tidy, keep });
checkSingleCopy();
for (const def of [
  ...Object.values(primitiveDefs),
  ...Object.values(elementwiseDefs),
  nnDefs.softmax,
  nnDefs.logSoftmax,
  softmaxCrossEntropyDef,
  softmaxCrossEntropyGradDef,
  biasActivationDef,
  biasActivationGradDef,
  biasAddGradDef,
  scaledDotProductAttentionDef,
  scaledDotProductAttentionLseDef,
  scaledDotProductAttentionBackwardDef,
  movementDefs.reshape,
  batchNormDef,
  batchNormStatsDef,
  batchNormParamGradDef,
  batchNormInputGradDef,
]) {
  registerOp(def as OpDef<never>);
}

export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export * from './backend.js';
export * from './primitives.js';
export * from './rng.js';
export * from './plugin-types.js';
export {
  defineOp,
  type OpDef,
  type DifferentiableOpDef,
  type NonDifferentiableOpDef,
  type GradContext,
  type InputGrads,
  type TensorInfo,
} from './op.js';
export { Tensor, isTensor, type NestedArray } from './tensor.js';
export { Parameter } from './parameter.js';
export { runOp, type AttrsArg } from './engine.js';
export { isCompiling } from './trace.js';
export { recordOps, type RecordedOp, type OpRecorder } from './record-ops.js';
export { compile, type CompileOptions, type CompileStats, type CompiledFunction } from './compiled/compile.js';
export type { MatmulOnesColumnAttrs } from './compiled/bias-grad.js';
export { tidy, tidyAsync, keep, dispose, memory, type MemoryInfo, type BackendMemory } from './memory.js';
export { noGrad, enableGrad, isGradEnabled } from './grad-mode.js';
export { backward, gradients, type BackwardOptions } from './autograd.js';
export { grad, gradOf, valueAndGrad } from './functional.js';
export {
  use,
  init,
  backends,
  ops as registeredOps,
  registerOp,
  getOpDef,
  kernelsFor,
  getBackend,
  getDefaultBackend,
  setDefaultBackend,
  resetRegistry,
  type InitOptions,
} from './registry.js';
export { VERSION } from './version.js';
export { asyncScopesIsolated } from './scope.js';
export * from './ops/index.js';
export * from './expr/index.js';
export { kernelFamily, VIEW_GEOMETRY, type StridedView, type ViewGeometry } from './kernel-kit.js';
export { primitiveDefs, elementwiseDefs } from './defs.js';
export { nearest, editDistance } from './nearest.js';
