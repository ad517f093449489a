/**
 * @packageDocumentation
 * Tessera's training loop: `fit`, `evaluate`, `predict`, metrics computed on the device,
 * and callbacks (early stopping, NaN guard, progress, loggers).
 */
export { fit, type FitOptions, type Scheduler } from './fit.js';
export { evaluate, predict, inEvalMode, type EvaluateOptions } from './evaluate.js';
export { type Batch, type ArrayData, type DataSource } from './data.js';
export { registerLoss, lossNames, resolveLoss, resolveMetrics, type LossFn, type MetricSpec } from './resolve.js';
export {
  type Metric,
  type MetricName,
  type MetricState,
  type ClassScores,
  TopKAccuracy,
  ConfusionMatrix,
  MacroScore,
  MeanMetric,
  accuracy,
  classScores,
  metricByName,
} from './metrics.js';
export { TrainConfigError, NonFiniteLossError, CheckpointError } from './errors.js';
export type { Callback, CallbackState, ResumeState, BatchInfo, History, Logs, TrainContext } from './callbacks/callback.js';
export { EarlyStopping, higherIsBetter, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { NanGuard } from './callbacks/nan-guard.js';
export { ProgressBar, formatDuration, formatLogs, type ProgressOptions, type ProgressStream } from './callbacks/progress.js';
export { JsonlLogger, CsvLogger, type LineSink } from './callbacks/logger.js';
export { compile, type CompileOptions, type CompiledModel, type CompiledFitOptions } from './compile.js';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint, type TrainingState } from './checkpoint.js';
export { loadCheckpointModel, type CheckpointModel } from './checkpoint-model.js';
export { ModelCheckpoint, type ModelCheckpointOptions, type CheckpointWriter } from './callbacks/model-checkpoint.js';
export { yieldToEventLoop } from './yield.js';
export { sequenceErrorRates, tokenEditDistance, type SequenceErrorRates } from './sequence-metrics.js';
export { type Recipe, type RecipeOptimizer, type RecipeSchedule, type RecipeAugmentation, type RecipeResult } from './recipes/recipe.js';
export { registerRecipe, recipe, recipeNames, recipes, RecipeError } from './recipes/registry.js';
export { recipeAugmentation, recipeScheduler, recipeOptimizerOptions } from './recipes/build.js';
