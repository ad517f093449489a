/**
 * One training job in the worker: builds what the spec describes, runs `fit` with a
 * callback that reports, validates live, pauses and stops between steps, answers
 * predictions and snapshots between steps, and ends with the trained model file.
 */
import { type Tensor, getBackend, init, keep, manualSeed, memory, noGrad, tidy } from '@tessera/core';
import {
  type AnyModule,
  MODEL_CONFIG_KEY,
  MODEL_FORMAT_KEY,
  MODEL_FORMAT_VERSION,
  type StateDict,
  encodeSafetensorsAsync,
  saveModel,
} from '@tessera/layers';
import type { Optimizer } from '@tessera/optim';
import type { Callback, History, TrainContext } from '../callbacks/callback.js';
import { evaluate } from '../evaluate.js';
import { fit } from '../fit.js';
import { resolveMetrics } from '../resolve.js';
import { yieldToEventLoop } from '../yield.js';
import { LiveReporter } from './live.js';
import type { ArrayPayload, BackendInfo, MemoryInfo, TrainingEvent, TrainingResult, TrainingSpec, TrainingState } from './protocol.js';
import { type DatasetLoader, type PreparedData, jobModelOf, payloadOf, prepareData, tensorOf } from './setup.js';

/** What the worker script supplies to its jobs (`serveTraining`'s options). */
export interface JobEnvironment {
  readonly loadDataset: DatasetLoader;
  readonly onBackend?: (backend: string) => unknown;
}

/** Sends an event to the host, transferring the listed buffers. */
export type Emit = (event: TrainingEvent, transfer?: ArrayBuffer[]) => void;

const now = (): number => performance.now();
/** The reason `fit`'s history gives for a stop from the host. */
const STOPPED = 'stopped by the host';

function memoryInfo(): MemoryInfo {
  const m = memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, pooledBytes: m.pooledBytes };
}

/** The backend's scalar facts (`info()`), for the host to show. */
function backendInfo(name: string): BackendInfo {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(getBackend(name).info?.() ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** A job: built by `run`, steered by the other methods (each safe to call at any time). */
export class TrainingJob {
  private state: TrainingState | 'building' = 'building';
  private model: AnyModule | null = null;
  private opt: Optimizer | null = null;
  private data: PreparedData | null = null;
  private backend = '';
  private stopRequested = false;
  private pauseRequested: boolean;
  private wake: (() => void) | null = null;
  private steps = 0;
  private seen = 0;
  private epoch = 0;
  private lastValEnd = 0;
  private lastValMs = 0;
  private closed = false;
  private readonly built: Promise<void>;
  private markBuilt!: (ok: boolean) => void;

  constructor(
    readonly id: number,
    private readonly spec: TrainingSpec,
    private readonly emit: Emit,
    private readonly env: JobEnvironment,
  ) {
    this.pauseRequested = spec.startPaused === true;
    this.built = new Promise<boolean>((r) => (this.markBuilt = r)).then((ok) => {
      if (!ok) throw new Error(`training job ${id}: the job failed before its model was built.`);
    });
    this.built.catch(() => undefined);
  }

  /** Whether the job still trains (or is being built). */
  get active(): boolean {
    return this.state !== 'done';
  }

  /** Builds everything, trains, and emits `done` with the result; throws what went wrong (after freeing what it made). */
  async run(): Promise<void> {
    try {
      await this.build();
      this.markBuilt(true);
    } catch (e) {
      this.markBuilt(false);
      this.free();
      this.state = 'done';
      throw e;
    }
    let history: History;
    try {
      history = await this.train();
    } catch (e) {
      this.state = 'done';
      this.data?.dispose();
      this.data = null;
      throw e;
    }
    this.setState('done');
    this.data?.dispose();
    this.data = null;
    const weights = await saveModel(this.model!);
    const result: TrainingResult = {
      weights,
      history: { epochs: history.epochs, history: history.history, stopReason: history.stopReason },
      stopped: this.stopRequested,
      steps: this.steps,
      seen: this.seen,
    };
    this.emit({ type: 'done', result }, [weights.buffer as ArrayBuffer]);
  }

  pause(): void {
    if (this.active) this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }

  stop(): void {
    if (!this.active) return;
    this.stopRequested = true;
    if (this.state === 'training' || this.state === 'paused') this.setState('stopping');
    this.wake?.();
  }

  /** The last group (the head of a transfer job) gets `lr`; the others keep their ratio to it. */
  setLr(lr: number): void {
    const groups = this.opt?.paramGroups ?? [];
    const ref = groups.at(-1)?.lr ?? 0;
    for (const g of groups) g.lr = ref > 0 ? (g.lr * lr) / ref : lr;
  }

  /** Frees the model and optimizer (stopping first if it trains). */
  close(): void {
    this.closed = true;
    if (this.active) this.stop();
    else this.free();
  }

  /** The model's output for `x`, in eval mode without gradients. */
  async predict(x: ArrayPayload): Promise<ArrayPayload> {
    const model = await this.ready();
    const input = tensorOf(x, 'predict x');
    let out: Tensor;
    try {
      // Synchronous up to the read: no training step runs in between, and train mode comes back at once.
      out = noGrad(() => tidy(() => inEvalModeSync(model, () => model.call(input) as Tensor)));
    } finally {
      input.dispose();
    }
    try {
      return await payloadOf(out);
    } finally {
      out.dispose();
    }
  }

  /** The model as it is now, as a model file; the weights are copied first, so training may go on meanwhile. */
  async snapshot(metadata: Readonly<Record<string, string>>): Promise<Uint8Array> {
    const model = await this.ready();
    const copy: StateDict = noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, keep(t.clone())])));
    try {
      // saveModel's format, of the copy.
      return await encodeSafetensorsAsync(copy, {
        format: 'pt', ...metadata, [MODEL_FORMAT_KEY]: String(MODEL_FORMAT_VERSION), [MODEL_CONFIG_KEY]: JSON.stringify(model.getConfig()),
      });
    } finally {
      Object.values(copy).forEach((t) => t.dispose());
    }
  }

  private async ready(): Promise<AnyModule> {
    await this.built;
    if (!this.model || this.closed)
      throw new Error(`training job ${this.id}: the job was closed, or a newer job replaced it in this worker.`);
    return this.model;
  }

  private free(): void {
    this.opt?.dispose();
    this.opt = null;
    this.model?.dispose();
    this.model = null;
    this.data?.dispose();
    this.data = null;
  }

  private async build(): Promise<void> {
    const fallback: string[] = [];
    this.backend = await init({
      ...(this.spec.backends ? { backends: [...this.spec.backends] } : {}),
      onFallback: (note) => fallback.push(note),
    });
    await this.env.onBackend?.(this.backend);
    manualSeed(this.spec.seed ?? 0);
    const built = jobModelOf(this.spec);
    this.model = built.model;
    this.opt = built.optimizer;
    this.data = await prepareData(this.spec, this.env.loadDataset);
    const samples = await this.data.samples(this.spec.sampleExamples ?? 0);
    this.emit(
      {
        type: 'ready', backend: this.backend, backendInfo: backendInfo(this.backend), fallback, parameters: this.model.numParameters(),
        trainExamples: this.data.trainExamples, validationExamples: this.data.validationExamples, stepsPerEpoch: this.data.stepsPerEpoch,
        ...(samples ? { samples } : {}), ...(built.transfer ? { transfer: built.transfer } : {}), memory: memoryInfo(),
      },
      samples ? [samples.x.data.buffer as ArrayBuffer, samples.y.data.buffer as ArrayBuffer] : [],
    );
  }

  private async train(): Promise<History> {
    const model = this.model!, opt = this.opt!, data = this.data!, spec = this.spec;
    if (spec.validateAtStart && data.validation) await this.validate();
    this.lastValEnd = now();
    if (this.pauseRequested) await this.paused();
    if (this.stopRequested) return { epochs: [], history: {}, stopReason: STOPPED };
    this.setState('training');
    const metrics = resolveMetrics(this.metricNames());
    const reporter = new LiveReporter(
      metrics,
      {
        report: (r) =>
          this.emit({
            type: 'progress',
            epoch: r.epoch,
            step: this.steps,
            seen: this.seen,
            loss: r.loss,
            metrics: r.metrics,
            samplesPerSec: r.samplesPerSec,
            memory: memoryInfo(),
            backendInfo: backendInfo(this.backend),
          }),
        between: (ctx) => this.between(ctx),
      },
      spec.reportEveryMs ?? 250,
    );
    const history = await fit(model, data.train, {
      loss: spec.loss, optimizer: opt, epochs: spec.epochs, batchSize: spec.batchSize, shuffle: spec.shuffle ?? true, metrics,
      ...(spec.compile !== undefined ? { compile: spec.compile } : {}),
      callbacks: [this.counter(), reporter, this.epochEnd()],
    });
    if (this.stopRequested) history.stopReason ??= STOPPED;
    return history;
  }

  /** Counts steps and examples, reports epoch starts (listed before the reporter, so its reports see the counts). */
  private counter(): Callback {
    return {
      onEpochBegin: (epoch) => {
        this.epoch = epoch;
        this.emit({ type: 'epochBegin', epoch });
      },
      onBatchEnd: (info) => {
        this.seen += info.size;
        this.steps++;
      },
    };
  }

  /**
   * Validates and reports each epoch (listed after the reporter, whose last window comes first).
   * Validation here rather than fit's validationData: fit would evaluate with the same
   * metric objects the live reporter reads, so it gets them by name.
   */
  private epochEnd(): Callback {
    return {
      onEpochEnd: async (epoch, logs, ctx) => {
        if (this.data?.validation) {
          const val = await this.validate();
          for (const [k, v] of Object.entries(val)) {
            logs[`val_${k}`] = v;
            (ctx.history.history[`val_${k}`] ??= []).push(v);
          }
        }
        this.emit({ type: 'epochEnd', epoch, logs: { ...logs } });
      },
    };
  }

  /** Between two steps: stop, validate when due, pause, let messages in. */
  private async between(ctx: TrainContext): Promise<void> {
    const every = this.spec.validateEveryMs;
    if (
      !this.stopRequested &&
      every !== undefined &&
      this.data?.validation &&
      now() - this.lastValEnd >= Math.max(every, 4 * this.lastValMs)
    )
      await this.validate();
    if (this.pauseRequested && !this.stopRequested) {
      await this.paused();
      if (!this.stopRequested) this.setState('training');
    }
    if (this.stopRequested) {
      ctx.stopTraining = true;
      ctx.stopReason = STOPPED;
      return;
    }
    // Queued messages (pause, predictions) run after every step, also on the synchronous CPU backend.
    await yieldToEventLoop();
  }

  private async paused(): Promise<void> {
    this.setState('paused');
    while (this.pauseRequested && !this.stopRequested) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    this.lastValEnd = now();
  }

  /** Evaluates on the validation data and emits the result. */
  private async validate(): Promise<Record<string, number>> {
    const t0 = now();
    const logs = await evaluate(this.model!, this.data!.validation!, {
      loss: this.spec.loss,
      metrics: this.metricNames(),
      batchSize: this.spec.batchSize,
    });
    this.emit({ type: 'validation', epoch: this.epoch, step: this.steps, seen: this.seen, logs });
    this.lastValMs = now() - t0;
    this.lastValEnd = now();
    return logs;
  }

  private metricNames(): readonly string[] {
    return this.spec.metrics ?? (this.data?.classes ? ['accuracy'] : []);
  }

  private setState(state: TrainingState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit({ type: 'state', state, epoch: this.epoch, step: this.steps });
  }
}

/** Runs `fn` with every submodule in eval mode, restoring each one's mode after (synchronously). */
function inEvalModeSync<T>(model: AnyModule, fn: () => T): T {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return fn();
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}
