import type { Callback, Logs, TrainContext } from './callback.js';

/** Receives one line of text (a file appender, an array, a socket…). */
export type LineSink = (line: string) => void | Promise<void>;

/** Per-epoch record a logger writes. */
function record(epoch: number, logs: Logs, ctx: TrainContext, started: number): Record<string, number> {
  return { epoch: epoch + 1, step: ctx.step, lr: ctx.optimizer.getLr()[0], ...logs, time: (performance.now() - started) / 1000 };
}

/** Writes one JSON object per epoch: `{"epoch":1,"step":600,"lr":0.1,"loss":…,"time":12.3}`. */
export class JsonlLogger implements Callback {
  private started = 0;
  constructor(private readonly sink: LineSink) {}
  onTrainBegin(): void {
    this.started = performance.now();
  }
  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    await this.sink(JSON.stringify(record(epoch, logs, ctx, this.started)));
  }
}

/** Writes a CSV header on the first epoch, then one row per epoch (Keras' CSVLogger). */
export class CsvLogger implements Callback {
  private started = 0;
  private columns: string[] | null = null;
  constructor(private readonly sink: LineSink) {}
  onTrainBegin(): void {
    this.started = performance.now();
    this.columns = null;
  }
  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    const r = record(epoch, logs, ctx, this.started);
    if (!this.columns) {
      this.columns = Object.keys(r);
      await this.sink(this.columns.join(','));
    }
    await this.sink(this.columns.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(','));
  }
}
