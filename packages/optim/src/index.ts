/**
 * @packageDocumentation
 * Tessera optimizers over parameter groups (SGD, AdaGrad, RMSProp, AdaDelta, Adam, AdamW),
 * learning-rate schedules, gradient clipping and a name registry.
 */
export { ConfigError, NoGradientError } from './errors.js';
export {
  Optimizer,
  type BaseGroupOptions,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type OptimizerStateDict,
  type SerializedTensor,
} from './optimizer.js';
export {
  SGD,
  AdaGrad,
  RMSProp,
  AdaDelta,
  Adam,
  AdamW,
  type SGDOptions,
  type AdaGradOptions,
  type RMSPropOptions,
  type AdaDeltaOptions,
  type AdamOptions,
} from './optimizers.js';
export {
  LRSchedule,
  ConstantLR,
  StepLR,
  MultiStepLR,
  ExponentialDecayLR,
  InverseDecayLR,
  CosineAnnealingLR,
  LinearWarmupLR,
  ReduceLROnPlateau,
  type ReduceOnPlateauOptions,
  type ScheduleStateDict,
} from './schedules.js';
export { clipGradNorm, clipGradNormValue, clipGradValue } from './clip.js';
export { type AnyOptions, optimizer, registerOptimizer, optimizerNames, type OptimizerFactory } from './registry.js';
export {
  emaDef,
  emaSquareDef,
  sgdStepDef,
  adamStepDef,
  fusedUpdateOps,
  ema,
  emaSquare,
  sgdStep,
  adamStep,
  type EmaAttrs,
  type SgdStepAttrs,
  type AdamStepAttrs,
} from './fused.js';
