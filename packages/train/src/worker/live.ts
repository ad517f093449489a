/**
 * A `fit` callback that reports training a few times per second without slowing it: the
 * loss and metrics stay on the device (fit's running epoch loss and the metric
 * accumulators) and are read once per report, and the values of the batches since the
 * previous report are recovered from the running sums.
 *
 * On a GPU the steps only enqueue work, so a read waits for every step enqueued before it.
 * To keep reports steady the reporter also reads after a number of batches, set from the
 * rate measured over the previous window, so a window lasts about `intervalMs` in wall time.
 */
import type { Callback, TrainContext } from '../callbacks/callback.js';
import { type Metric, TopKAccuracy } from '../metrics.js';

/** What one report carries (the mean over the batches since the previous one). */
export interface WindowReport {
  readonly epoch: number;
  readonly loss: number;
  /**
   * Each metric over the window: accuracies exactly (from the running sums);
   * other metrics (F1, precision…) are not sums, so their running value over the epoch.
   */
  readonly metrics: Readonly<Record<string, number>>;
  /** Training examples per second over the window, time spent in `between` excluded. */
  readonly samplesPerSec: number;
}

/** What the reporter calls back into. */
export interface LiveHooks {
  /** A report is ready. */
  report(r: WindowReport): void;
  /** Runs after every batch, between optimizer steps: pausing, validation, messages. */
  between(ctx: TrainContext): Promise<void>;
}

const now = (): number => performance.now();

/** Whether a metric's state is a sum over examples and its result that sum over the count. */
function isMean(m: Metric): m is TopKAccuracy {
  return m instanceof TopKAccuracy;
}

/** Reports every `intervalMs` of wall time (default 250 ms; 0: every batch). */
export class LiveReporter implements Callback {
  private prevLoss = 0;
  private prevCount = 0;
  private prevSums = new Map<Metric, number>();
  private windowStart = now();
  private windowSamples = 0;
  private excludedMs = 0;
  private windowBatches = 0;
  /** Batches after which the next report is due even if `intervalMs` has not passed. */
  private maxBatches = Infinity;

  constructor(
    /** The metric objects passed to `fit` (read, never reset here). */
    private readonly metrics: readonly Metric[],
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
    this.prevLoss = 0;
    this.prevCount = 0;
    this.prevSums.clear();
  }

  async onBatchEnd(info: { readonly size: number }, ctx: TrainContext): Promise<void> {
    this.windowSamples += info.size;
    this.windowBatches++;
    if (now() - this.windowStart >= this.intervalMs || this.windowBatches >= this.maxBatches) await this.flush(ctx);
    const t = now();
    await this.hooks.between(ctx);
    this.excludedMs += now() - t;
  }

  /** Reports what is left of the epoch (before fit validates). */
  async onEpochEnd(_epoch: number, _logs: unknown, ctx: TrainContext): Promise<void> {
    await this.flush(ctx);
  }

  /** Reads the running sums once and reports the batches since the last report. */
  private async flush(ctx: TrainContext): Promise<void> {
    const { sum, count } = await ctx.epochLoss();
    const n = count - this.prevCount;
    if (n <= 0) return;
    const metrics: Record<string, number> = {};
    for (const m of this.metrics) {
      if (!isMean(m)) {
        metrics[m.name] = await m.result();
        continue;
      }
      const s = await m.state();
      const total = s.sums[0] ?? 0;
      metrics[m.name] = (total - (this.prevSums.get(m) ?? 0)) / n;
      this.prevSums.set(m, total);
    }
    const elapsed = Math.max(1e-3, now() - this.windowStart - this.excludedMs);
    this.maxBatches = Math.max(1, Math.round((this.windowBatches * this.intervalMs) / elapsed));
    this.hooks.report({ epoch: ctx.epoch, loss: (sum - this.prevLoss) / n, metrics, samplesPerSec: (this.windowSamples * 1000) / elapsed });
    this.prevLoss = sum;
    this.prevCount = count;
    this.windowStart = now();
    this.windowSamples = 0;
    this.windowBatches = 0;
    this.excludedMs = 0;
  }
}
