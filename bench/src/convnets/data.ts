/** What the convnet rows hand to each library: the plan, seeded weights and inputs, the thread count. */
import type { AnyModule } from '@tessera/layers';
import type { Named } from '../data.js';
import type { NetPlan } from './plan.js';

/** Thread counts of the convnet rows (thread scaling); GPU columns run only the largest. */
export const CONVNET_THREADS = [2, 1] as const;
export const CONVNET_MAX_THREADS = Math.max(...CONVNET_THREADS);

/** One inference row: a zoo model and its plan with the same seeded weights. */
export interface ConvNetInferData {
  readonly plan: NetPlan;
  readonly batch: number;
  /** [batch, inChannels, size, size], NCHW. */
  readonly x: Float32Array;
  /** Every parameter and batch norm buffer (zoo names, canonical layouts). */
  readonly weights: readonly Named[];
  /** Threads for libraries that take a count (Tessera's CPU backend, onnxruntime's intra-op pool). */
  readonly threads: number;
  /** Tessera folds its batch norms with fuseBatchNorm before timing (false: the unfused model). */
  readonly fuse: boolean;
  /** Builds the zoo model the Tessera columns run (the generated weights are loaded into it strictly). */
  readonly zoo: () => AnyModule;
}

/** One training row: a zoo model trained by SGD with momentum on cross-entropy. */
export interface ConvNetTrainData {
  readonly name: string;
  readonly batch: number;
  readonly inChannels: number;
  readonly size: number;
  /** [batch, inChannels, size, size]. */
  readonly x: Float32Array;
  /** [batch] class indices. */
  readonly y: Int32Array;
  readonly threads: number;
  /** The zoo model, built after `manualSeed(seed)` so every backend starts from the same weights. */
  readonly zoo: () => AnyModule;
  readonly seed: number;
  readonly lr: number;
  readonly momentum: number;
}
