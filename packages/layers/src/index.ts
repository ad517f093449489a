/**
 * @packageDocumentation
 * Tessera layers: the `Module` API, layers, activations, losses, initializers, weight
 * constraints and state dicts (safetensors), with PyTorch's names and layouts.
 */
export { Module, param, type AnyModule, type Member } from './module.js';
export { Buffer } from './buffer.js';
export { fuseBatchNorm, type FuseReport, type FuseOptions } from './fuse.js';
export { Sequential, type Layer } from './sequential.js';
export { SymbolicTensor, type SymbolicNode } from './symbolic.js';
export { withForwardHook, type ForwardHook } from './hooks.js';
export { stateDict, loadStateDict, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './state.js';
export { summarize, type Summary, type SummaryRow, type SummaryInput } from './summary.js';
export { StateDictError, LayerConfigError, ModuleConfigError, ModelFileError } from './errors.js';
export { expectShape, expectFloat, type ShapePattern } from './check.js';
export * as init from './init.js';
export {
  initialize,
  type Initializer,
  type InitOptions,
  type FanMode,
  type Nonlinearity,
  type KaimingOptions,
  fans,
  calculateGain,
} from './init.js';
export * from './layers/index.js';
export * from './activations/index.js';
export * from './norm/index.js';
export * from './recurrent/index.js';
export * from './losses/index.js';
export * from './constraints/index.js';
export * from './io/index.js';
export * from './graph/index.js';
export * from './attention/index.js';
export * from './config/index.js';
