import { getRngState } from '@tessera/core';
import { encodeCheckpoint } from '../checkpoint.js';
import { TrainConfigError } from '../errors.js';
import type { BatchInfo, Callback, Logs, TrainContext } from './callback.js';
import { higherIsBetter } from './early-stopping.js';

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
}

/**
 * Saves resumable checkpoints (weights, optimizer, scheduler, RNG, data position, history —
 * see `encodeCheckpoint`): `last.safetensors` after each epoch (and every `everySteps`
 * steps), `best.safetensors` when `monitor` improves. Each write is atomic.
 */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  /** Best monitored value so far. */
  best = NaN;
  private readonly opts: ModelCheckpointOptions;

  constructor(opts: ModelCheckpointOptions) {
    this.opts = opts;
    this.monitor = opts.monitor ?? 'val_loss';
    const mode = opts.mode ?? 'auto';
    this.mode = mode === 'auto' ? (higherIsBetter(this.monitor) ? 'max' : 'min') : mode;
    if (opts.everySteps !== undefined && !(Number.isInteger(opts.everySteps) && opts.everySteps > 0)) {
      throw new TrainConfigError(`ModelCheckpoint: everySteps must be a positive integer but got ${opts.everySteps}.`);
    }
  }

  private async save(name: string, ctx: TrainContext, epoch: number, batchesDone: number): Promise<void> {
    const loss = batchesDone > 0 ? await ctx.epochLoss() : { sum: 0, count: 0 };
    const bytes = await encodeCheckpoint(ctx.model, ctx.optimizer, ctx.scheduler, {
      epoch, batchesDone, step: ctx.step, rng: getRngState(), rngEpochStart: ctx.rngEpochStart,
      history: { epochs: [...ctx.history.epochs], history: structuredClone(ctx.history.history), stopReason: null },
      lossSum: loss.sum, lossCount: loss.count,
    });
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
    // The epoch is complete: a resume starts at the next one.
    if (this.opts.saveLast ?? true) await this.save('last.safetensors', ctx, epoch + 1, 0);
    if (!(this.opts.saveBest ?? true)) return;
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new TrainConfigError(`ModelCheckpoint: monitor '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')}).`);
    }
    const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best);
    if (better) {
      this.best = v;
      await this.save('best.safetensors', ctx, epoch + 1, 0);
    }
  }
}
