import { Parameter, type Tensor, noGrad, scalar, tidy, where } from '@tessera/core';
import { NonFiniteLossError } from '../errors.js';
import type { BatchInfo, Callback, Logs, TrainContext } from './callback.js';

/**
 * Stops training with a `NonFiniteLossError` naming the first step whose loss was NaN or
 * ±Infinity, or the epoch and log keys when an epoch's loss or metrics (validation
 * included) are not finite. `fit` runs one before the other callbacks unless `nanGuard:
 * false`. The check runs on the device inside every (compiled) training step (no sync); the flag is read at most
 * every `checkEveryMs` (default 1000 ms) and at each epoch end, so it never stalls a GPU.
 */
export class NanGuard implements Callback {
  /** The first step whose loss was not finite (+∞ while none), on the device. */
  private firstBad: Parameter | null = null;
  /** The step counter on the device, so the check compiles with the training step. */
  private counter: Parameter | null = null;
  private lastCheck = 0;
  private readonly batchOfStep = new Map<number, [number, number]>();
  constructor(readonly checkEveryMs = 1000) {}

  onTrainBegin(ctx: TrainContext): void {
    this.reset();
    tidy(() => {
      this.firstBad = new Parameter(scalar(Infinity), { requiresGrad: false });
      this.counter = new Parameter(scalar(ctx.step), { requiresGrad: false });
    });
  }

  onBatchLoss(loss: Tensor): void {
    const { firstBad, counter } = this;
    if (!firstBad || !counter) return;
    noGrad(() =>
      tidy(() => {
        // x − x is 0 for finite x and NaN for NaN/±Inf; keep the smallest bad step seen.
        const finite = loss.sub(loss).equal(0);
        firstBad.assign(firstBad.minimum(where(finite, scalar(Infinity), counter)));
        counter.assign(counter.add(1));
      }),
    );
  }

  async onBatchEnd(info: BatchInfo, ctx: TrainContext): Promise<void> {
    this.batchOfStep.set(ctx.step, [ctx.epoch, info.batch]);
    if (this.batchOfStep.size > 100_000) this.batchOfStep.clear();
    const now = Date.now();
    if (now - this.lastCheck >= this.checkEveryMs) {
      this.lastCheck = now;
      await this.check(ctx);
    }
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    await this.check(ctx);
    const bad = Object.entries(logs).filter(([, v]) => !Number.isFinite(v));
    if (bad.length === 0) return;
    const what = bad.map(([k, v]) => `${k} ${v}`).join(', ');
    ctx.stopTraining = true;
    ctx.stopReason = `non-finite ${what} at epoch ${epoch + 1}`;
    throw new NonFiniteLossError(
      `fit: epoch ${epoch + 1} (step ${ctx.step}) ended with ${what}. Lower the learning rate, clip gradients (clipGradNorm), or check ` +
        `the inputs and targets for NaN.`,
      ctx.step,
    );
  }

  onTrainEnd(): void {
    this.reset();
  }

  private reset(): void {
    this.firstBad?.dispose();
    this.counter?.dispose();
    this.firstBad = null;
    this.counter = null;
    this.batchOfStep.clear();
  }

  private async check(ctx: TrainContext): Promise<void> {
    if (!this.firstBad) return;
    const step = (await this.firstBad.data())[0];
    if (!Number.isFinite(step)) return;
    const where_ = this.batchOfStep.get(step);
    const at = where_ ? ` (epoch ${where_[0] + 1}, batch ${where_[1] + 1})` : '';
    this.reset();
    ctx.stopTraining = true;
    ctx.stopReason = `non-finite loss at step ${step}${at}`;
    throw new NonFiniteLossError(
      `fit: the loss became NaN or Infinity at step ${step}${at}. Lower the learning rate, clip gradients (clipGradNorm), or check the ` +
        `inputs and targets for NaN.`,
      step,
    );
  }
}
