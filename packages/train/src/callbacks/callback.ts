import type { CompileStats } from '@tessera/core';
import type { RngState, Tensor } from '@tessera/core';
import type { MetricState } from '../metric-parts.js';
import type { AnyModule } from '@tessera/layers';
import type { LRSchedule, Optimizer, ReduceLROnPlateau } from '@tessera/optim';

/** Scalar results of an epoch: `loss`, metrics, and `val_`-prefixed validation values. */
export type Logs = Record<string, number>;

/** What `fit` returns: per-epoch values of every log key (Keras' `History`). */
export interface History {
  /** Epoch numbers run (0-based). */
  readonly epochs: number[];
  /** `history.loss[i]`, `history.val_accuracy[i]`, … for epoch `epochs[i]`. */
  readonly history: Record<string, number[]>;
  /** Why training ended early (early stopping, a callback), if it did. */
  stopReason: string | null;
  /**
   * How the training step ran: the compiled step's counters (traces, replays, device
   * replays, eager calls, and why a trace could not be used), or null when it ran eagerly.
   */
  compile?: CompileStats | null;
}

/** The state of a running `fit`, shared with callbacks. */
export interface TrainContext {
  readonly model: AnyModule;
  readonly optimizer: Optimizer;
  /** Epochs requested. */
  readonly epochs: number;
  /** Current epoch (0-based). */
  epoch: number;
  /** Optimizer steps taken so far (global, 0-based count). */
  step: number;
  /** Batches per epoch, when known. */
  readonly numBatches: number | null;
  /** Batches of the current epoch finished (after a batch's callbacks run, it counts). */
  batchesDone: number;
  /** The generator state when the current epoch's shuffle was drawn (for exact resume). */
  rngEpochStart: RngState;
  /** The learning-rate scheduler `fit` steps, if any. */
  readonly scheduler: LRSchedule | ReduceLROnPlateau | undefined;
  /** Running loss of the current epoch (sum over examples, count); one readback. */
  epochLoss(): Promise<{ sum: number; count: number }>;
  /**
   * What a checkpoint must hold besides weights and position: the training metrics'
   * accumulators of the epoch in progress (by name) and each callback's `stateDict()` (by
   * `stateKey`, with `#2`, `#3`… for repeats).
   */
  resumeState(): Promise<ResumeState>;
  /** Set by a callback to end training after the current batch. */
  stopTraining: boolean;
  /** Set with `stopTraining` to say why (shown by the progress display, kept in history). */
  stopReason: string | null;
  readonly history: History;
}

/** What a callback sees after each batch. The loss stays on the device; read it sparingly. */
export interface BatchInfo {
  /** The batch's mean loss (a scalar tensor, valid during the call only). */
  readonly loss: Tensor;
  /** Examples in the batch. */
  readonly size: number;
  /** Batch index within the epoch. */
  readonly batch: number;
}

/** A callback's state as JSON-safe numbers (`null` for "none yet"), saved in checkpoints. */
export type CallbackState = Readonly<Record<string, number | null>>;

/** Metric accumulators and callback states, as a checkpoint stores them. */
export interface ResumeState {
  readonly metrics: Readonly<Record<string, MetricState>>;
  readonly callbacks: Readonly<Record<string, CallbackState>>;
}

/**
 * Hooks into `fit` (Keras' callbacks). Every method is optional and may be async; `fit`
 * awaits each in order, except that callbacks with `runsLast` run after all others.
 */
export interface Callback {
  /**
   * Names this callback's state in checkpoints; with `stateDict`/`loadStateDict`, a resumed
   * run continues with the state the callback had when the checkpoint was written.
   */
  readonly stateKey?: string;
  stateDict?(): CallbackState;
  /** Called after `onTrainBegin` when `fit` resumes from a checkpoint holding this callback's state. */
  loadStateDict?(state: CallbackState): void;
  /** Run this callback's hooks after every other one (checkpoint writers: they record the others' state). */
  readonly runsLast?: boolean;
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(info: BatchInfo, ctx: TrainContext): void | Promise<void>;
  /**
   * Device work on each batch's mean loss that runs inside the training step — compiled
   * with it, so it costs no host work per batch. Only tensor ops; state kept in buffers
   * updated with `Parameter.assign` (host side effects would not repeat in replays).
   */
  onBatchLoss?(loss: Tensor): void;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}
