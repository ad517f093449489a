import { getRngState, ConfigError } from '@tessera/core';
import { encodeCheckpoint } from '../checkpoint.js';
import { NonFiniteLossError } from '../errors.js';
import type { BatchInfo, Callback, CallbackState, Logs, TrainContext } from './callback.js';
import { higherIsBetter } from './early-stopping.js';
import { allFinite, fromJsonNumber, jsonNumber } from './finite.js';

/** Writes bytes to a named file atomically (Node: temp file + fsync + rename). */
export type CheckpointWriter = (name: string, bytes: Uint8Array) => Promise<void>;

/** Options of `ModelCheckpoint`. */
export interface ModelCheckpointOptions {
  /** Where files go: `writer('last.safetensors', bytes)`. `@tessera/train/node` has `directoryWriter(dir)`. */
  readonly writer: CheckpointWriter;
  /** Log key that decides the best checkpoint (default 'val_loss'; 'loss' without validation). */
  readonly monitor?: string;
  readonly mode?: 'min' | 'max' | 'auto';
  /** Keep `best.safetensors` (default true). */
  readonly saveBest?: boolean;
  /** Keep `last.safetensors`, rewritten after every epoch (default true). */
  readonly saveLast?: boolean;
  /** Also rewrite `last.safetensors` every this many optimizer steps (mid-epoch resume). */
  readonly everySteps?: number;
  /**
   * More `__metadata__` strings for every checkpoint (what a reader needs besides the
   * architecture, e.g. the CLI's `tessera.run`: dataset, classes, input shape, normalisation).
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Saves resumable checkpoints (weights, optimizer, scheduler, RNG, data position, history,
 * metric and callback states — see `encodeCheckpoint`): `last.safetensors` after each
 * epoch (and every `everySteps` steps), `best.safetensors` when `monitor` improves. Each
 * write is atomic. It runs after the other callbacks (`runsLast`) so that its checkpoints
 * hold their state, and it never writes weights holding NaN or ±Infinity (it throws a
 * `NonFiniteLossError` and the previous file stays) nor takes a non-finite value as best.
 * Its best value and epoch travel in the checkpoint, so a resumed run keeps them.
 */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly stateKey = 'ModelCheckpoint';
  readonly runsLast = true;
  /** Best monitored value so far (NaN: none yet) and its epoch (0-based, -1: none). */
  best = NaN;
  bestEpoch = -1;
  private readonly opts: ModelCheckpointOptions;

  constructor(opts: ModelCheckpointOptions) {
    this.opts = opts;
    this.monitor = opts.monitor ?? 'val_loss';
    const mode = opts.mode ?? 'auto';
    this.mode = mode === 'auto' ? (higherIsBetter(this.monitor) ? 'max' : 'min') : mode;
    if (opts.everySteps !== undefined && !(Number.isInteger(opts.everySteps) && opts.everySteps > 0)) {
      throw new ConfigError(`ModelCheckpoint: everySteps must be a positive integer but got ${opts.everySteps}.`);
    }
  }

  stateDict(): CallbackState {
    return { best: jsonNumber(this.best), bestEpoch: this.bestEpoch };
  }

  loadStateDict(s: CallbackState): void {
    this.best = fromJsonNumber(s.best);
    this.bestEpoch = s.bestEpoch ?? -1;
  }

  private async save(name: string, ctx: TrainContext, epoch: number, batchesDone: number): Promise<void> {
    // Buffers too (running statistics): a NaN there poisons every later prediction.
    if (!(await allFinite(Object.values(ctx.model.stateDict())))) {
      throw new NonFiniteLossError(
        `ModelCheckpoint: the weights hold NaN or Infinity at step ${ctx.step} (epoch ${ctx.epoch + 1}); ${name} was not written, so the ` +
          `last good checkpoint stays. Lower the learning rate or clip gradients.`,
        ctx.step,
      );
    }
    const loss = batchesDone > 0 ? await ctx.epochLoss() : { sum: 0, count: 0 };
    const { metrics, callbacks } = await ctx.resumeState();
    const bytes = await encodeCheckpoint(ctx.model, ctx.optimizer, ctx.scheduler, {
      epoch, batchesDone, step: ctx.step, rng: getRngState(), rngEpochStart: ctx.rngEpochStart,
      history: { epochs: [...ctx.history.epochs], history: structuredClone(ctx.history.history), stopReason: null },
      lossSum: loss.sum, lossCount: loss.count, metrics: batchesDone > 0 ? metrics : {}, callbacks,
    }, this.opts.metadata);
    await this.opts.writer(name, bytes);
  }

  /**
   * Writes `last.safetensors` at the current position, from a batch-end callback (e.g. on
   * Ctrl-C): a resume continues with the next batch.
   */
  async saveAtBatch(ctx: TrainContext): Promise<void> {
    // ctx.step is the index of the step just taken; step + 1 steps are done.
    await this.save('last.safetensors', { ...ctx, step: ctx.step + 1 }, ctx.epoch, ctx.batchesDone);
  }

  async onBatchEnd(_info: BatchInfo, ctx: TrainContext): Promise<void> {
    const every = this.opts.everySteps;
    if (every !== undefined && (ctx.step + 1) % every === 0) await this.saveAtBatch(ctx);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    const saveBest = this.opts.saveBest ?? true;
    const v = logs[this.monitor];
    if (saveBest && v === undefined) {
      throw new ConfigError(`ModelCheckpoint: monitor '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')}).`);
    }
    // A NaN or infinite value is never an improvement (NaN compares false; -Infinity would win).
    const better = saveBest && Number.isFinite(v) && (Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best));
    if (better) {
      this.best = v;
      this.bestEpoch = epoch;
    }
    // The epoch is complete: a resume starts at the next one, with the best value updated.
    if (this.opts.saveLast ?? true) await this.save('last.safetensors', ctx, epoch + 1, 0);
    if (better) await this.save('best.safetensors', ctx, epoch + 1, 0);
  }
}
