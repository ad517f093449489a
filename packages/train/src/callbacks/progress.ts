import type { BatchInfo, Callback, Logs, TrainContext } from './callback.js';

/** Where progress goes: a stream with `write` (a terminal when `isTTY`). */
export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of `ProgressBar`. */
export interface ProgressOptions {
  /** Default: process.stdout in Node, console.log lines in browsers. */
  readonly stream?: ProgressStream;
  /** 'bar': a live bar (TTY); 'epoch': one line per epoch; 'auto' (default): bar on a TTY outside CI. */
  readonly mode?: 'bar' | 'epoch' | 'auto';
  /** Minimum time between bar redraws (each reads the loss once), default 250 ms. */
  readonly refreshMs?: number;
}

type NodeLike = { process?: { stdout?: ProgressStream; env?: Record<string, string | undefined> } };

function defaultStream(): ProgressStream {
  const out = (globalThis as NodeLike).process?.stdout;
  if (out) return out;
  let line = '';
  return {
    write: (s: string) => {
      line += s;
      const i = line.lastIndexOf('\n');
      if (i >= 0) {
        console.log(line.slice(0, i));
        line = line.slice(i + 1);
      }
    },
  };
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

/** `loss 0.1234 · accuracy 0.9650 · val_loss …` */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
}

/**
 * The progress display `fit` shows: on a terminal, a live bar with loss, samples/s and
 * ETA (redrawn at most every `refreshMs`, the only per-batch readback); elsewhere (CI,
 * pipes, files) one line per epoch: epoch time (validation included), training
 * samples/s and the epoch's logs.
 */
export class ProgressBar implements Callback {
  private readonly stream: ProgressStream;
  private readonly bar: boolean;
  private readonly refreshMs: number;
  private epochStart = 0;
  private samples = 0;
  private lastDraw = 0;
  private lastBatch = 0;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? defaultStream();
    const ci = Boolean((globalThis as NodeLike).process?.env?.CI);
    const mode = opts.mode ?? 'auto';
    this.bar = mode === 'bar' || (mode === 'auto' && this.stream.isTTY === true && !ci);
    this.refreshMs = opts.refreshMs ?? 250;
  }

  onEpochBegin(): void {
    this.epochStart = performance.now();
    this.samples = 0;
    this.lastDraw = 0;
    this.lastBatch = this.epochStart;
  }

  async onBatchEnd(info: BatchInfo, ctx: TrainContext): Promise<void> {
    this.samples += info.size;
    const now = performance.now();
    this.lastBatch = now;
    if (!this.bar) return;
    const last = ctx.numBatches !== null && info.batch + 1 === ctx.numBatches;
    if (now - this.lastDraw < this.refreshMs && !last) return;
    this.lastDraw = now;
    const loss = (await info.loss.data())[0];
    const secs = (now - this.epochStart) / 1000;
    const rate = this.samples / Math.max(secs, 1e-9);
    const done = info.batch + 1;
    const total = ctx.numBatches;
    const width = 24;
    const filled = total ? Math.round((done / total) * width) : 0;
    const barText = total
      ? `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}] ${done}/${total}`
      : `${done}`;
    const eta = total ? ` · ETA ${formatDuration(((total - done) * secs) / done)}` : '';
    this.stream.write(`\r\x1b[2K${this.prefix(ctx)} ${barText} · loss ${fmt(loss)} · ${Math.round(rate)} samples/s${eta}`);
  }

  onEpochEnd(_epoch: number, logs: Logs, ctx: TrainContext): void {
    // Throughput counts training batches only; the epoch time includes validation.
    const secs = (performance.now() - this.epochStart) / 1000;
    const rate = Math.round(this.samples / Math.max((this.lastBatch - this.epochStart) / 1000, 1e-9));
    this.stream.write(
      `${this.bar ? '\r\x1b[2K' : ''}${this.prefix(ctx)} · ${secs.toFixed(1)}s · ${rate} samples/s · ${formatLogs(logs)}\n`,
    );
  }

  onTrainEnd(ctx: TrainContext): void {
    if (ctx.stopReason) this.stream.write(`${this.bar ? '\r\x1b[2K' : ''}Stopped: ${ctx.stopReason}\n`);
  }

  private prefix(ctx: TrainContext): string {
    return `Epoch ${ctx.epoch + 1}/${ctx.epochs}`;
  }
}
