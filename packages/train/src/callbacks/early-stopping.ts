import { type Tensor, keep, noGrad, ConfigError } from '@tessera/core';
import type { Callback, CallbackState, Logs, TrainContext } from './callback.js';
import { fromJsonNumber, jsonNumber } from './finite.js';

/** Options of `EarlyStopping` (Keras' names and defaults). */
export interface EarlyStoppingOptions {
  /** Log key to watch (default 'val_loss'). */
  readonly monitor?: string;
  /** 'min' for losses, 'max' for accuracies; 'auto' (default) infers it from the name. */
  readonly mode?: 'min' | 'max' | 'auto';
  /** Epochs without improvement before stopping (default 0). */
  readonly patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** At the end, load the weights of the best epoch (default false). */
  readonly restoreBestWeights?: boolean;
}

/** True when the metric name reads as "higher is better". */
export function higherIsBetter(name: string): boolean {
  return /acc|accuracy|precision|recall|f1|auc/i.test(name);
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs, optionally
 * restoring the best epoch's weights (kept as copies, freed at the end). A NaN or infinite
 * value never counts as an improvement. Its best value, best epoch and wait counter travel
 * in checkpoints, so a resumed run stops where an uninterrupted one would; the best
 * weights' copy does not (after a resume, `restoreBestWeights` restores the best epoch
 * reached since the resume).
 */
export class EarlyStopping implements Callback {
  readonly stateKey = 'EarlyStopping';
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  /** Best value seen and its epoch. */
  best = NaN;
  bestEpoch = -1;
  /** Epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;
  private wait = 0;
  private snapshot: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'val_loss';
    const mode = opts.mode ?? 'auto';
    this.mode = mode === 'auto' ? (higherIsBetter(this.monitor) ? 'max' : 'min') : mode;
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
  }

  stateDict(): CallbackState {
    return { best: jsonNumber(this.best), bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch };
  }

  loadStateDict(s: CallbackState): void {
    this.best = fromJsonNumber(s.best);
    this.bestEpoch = s.bestEpoch ?? -1;
    this.wait = s.wait ?? 0;
    this.stoppedEpoch = s.stoppedEpoch ?? -1;
  }

  private improved(v: number): boolean {
    if (!Number.isFinite(v)) return false;
    if (Number.isNaN(this.best)) return true;
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new ConfigError(`EarlyStopping: monitor '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')}); pass ` +
        `validation data or pick another key.`);
    }
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.takeSnapshot(ctx);
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      ctx.stopReason = `early stopping: ${this.monitor} has not improved for ${this.wait} epochs (best ${this.best.toPrecision(5)} at ` +
        `epoch ${this.bestEpoch + 1})`;
    }
  }

  private takeSnapshot(ctx: TrainContext): void {
    this.freeSnapshot();
    this.snapshot = noGrad(() => Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, keep(t.clone())])));
  }

  private freeSnapshot(): void {
    if (this.snapshot) for (const t of Object.values(this.snapshot)) t.dispose();
    this.snapshot = null;
  }

  onTrainEnd(ctx: TrainContext): void {
    if (this.snapshot && this.bestEpoch >= 0) ctx.model.loadStateDict(this.snapshot);
    this.freeSnapshot();
  }
}
