/**
 * A `fit` callback that reports training a few times per second without slowing it: the
 * loss and accuracy stay on the device (fit's running epoch loss and an accuracy metric)
 * and are read once per report, and the values of the batches since the previous report
 * are recovered from the running sums.
 *
 * On a GPU the steps only enqueue work, so a read waits for every step enqueued before it.
 * To keep reports steady the reporter also reads after a number of batches, set from the
 * rate measured over the previous window, so a window lasts about `intervalMs` in wall time.
 */
import type { Callback, Metric, TrainContext } from '@tessera/train';

/** What one report carries (the mean over the batches since the previous one). */
export interface WindowReport {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  /** Training examples per second over the window, time spent in `between` excluded. */
  readonly samplesPerSec: number;
}

/** What the reporter calls back into. */
export interface LiveHooks {
  /** A report is ready. */
  report(r: WindowReport): void;
  /** Runs after every batch, between optimizer steps: pausing, validation, messages. */
  between(ctx: TrainContext): Promise<void>;
  /** Runs after each epoch's last report. */
  epochEnd(epoch: number, ctx: TrainContext): Promise<void>;
}

const now = (): number => performance.now();

/** Reports every `intervalMs` of wall time (default 250 ms). */
export class LiveReporter implements Callback {
  private prevSum = 0;
  private prevCount = 0;
  private prevCorrect = 0;
  private windowStart = now();
  private windowSamples = 0;
  private excludedMs = 0;
  private windowBatches = 0;
  /** Batches after which the next report is due even if `intervalMs` has not passed. */
  private maxBatches = Infinity;

  constructor(
    /** The accuracy metric passed to `fit` (read, never reset here). */
    private readonly accuracy: Metric,
    private readonly hooks: LiveHooks,
    private readonly intervalMs = 250,
  ) {}

  onTrainBegin(): void {
    this.windowStart = now();
    this.windowSamples = 0;
    this.windowBatches = 0;
    this.excludedMs = 0;
  }

  onEpochBegin(): void {
    this.prevSum = 0;
    this.prevCount = 0;
    this.prevCorrect = 0;
  }

  async onBatchEnd(info: { readonly size: number }, ctx: TrainContext): Promise<void> {
    this.windowSamples += info.size;
    this.windowBatches++;
    if (now() - this.windowStart >= this.intervalMs || this.windowBatches >= this.maxBatches) await this.flush(ctx);
    const t = now();
    await this.hooks.between(ctx);
    this.excludedMs += now() - t;
  }

  async onEpochEnd(epoch: number, _logs: unknown, ctx: TrainContext): Promise<void> {
    await this.flush(ctx);
    const t = now();
    await this.hooks.epochEnd(epoch, ctx);
    this.excludedMs += now() - t;
  }

  /** Reads the running sums once and reports the batches since the last report. */
  private async flush(ctx: TrainContext): Promise<void> {
    const { sum, count } = await ctx.epochLoss();
    const correct = (await this.accuracy.result()) * count;
    const n = count - this.prevCount;
    if (n <= 0) return;
    const elapsed = Math.max(1e-3, now() - this.windowStart - this.excludedMs);
    this.maxBatches = Math.max(1, Math.round((this.windowBatches * this.intervalMs) / elapsed));
    this.hooks.report({
      epoch: ctx.epoch,
      loss: (sum - this.prevSum) / n,
      accuracy: (correct - this.prevCorrect) / n,
      samplesPerSec: (this.windowSamples * 1000) / elapsed,
    });
    this.prevSum = sum;
    this.prevCount = count;
    this.prevCorrect = correct;
    this.windowStart = now();
    this.windowSamples = 0;
    this.windowBatches = 0;
    this.excludedMs = 0;
  }
}
