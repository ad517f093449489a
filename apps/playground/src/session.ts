/**
 * The page's training session on `tessera/worker`: one job at a time in the training
 * worker. A fresh or loaded model is a job started paused (validated at once, so the page
 * shows the untrained loss and can classify drawings); Start resumes it; Continue after
 * the last epoch, or Start with other settings, is a new job from the current weights.
 */
import {
  type ArrayPayload,
  type DataSpec,
  type ModelSpec as JobModel,
  type TrainingEvent,
  type TrainingHandle,
  type TrainingResult,
  startTraining,
} from 'tessera/worker';
import { type ModelSpec, defaultSpec, modelConfig, pageMetadata, specName } from './models.js';
import { argmaxRows, softmax } from './predictions.js';
import type { BackendChoice, ModelKind, RunState, TrainSettings } from './settings.js';

/** Memory in use in the worker. */
interface MemoryView {
  readonly numTensors: number;
  readonly numBytes: number;
  readonly pooledBytes: number;
}

/** What the session tells the page. */
export interface SessionView {
  /** The first job is ready: the backend, and the grid's digits (bytes) and labels. */
  ready(info: {
    backend: string;
    device: string;
    threads: number;
    trainSize: number;
    validationSize: number;
    gridImages: Uint8Array;
    gridLabels: Int32Array;
  }): void;
  /** A new model (fresh, reset or loaded): the plots start over. */
  model(kind: ModelKind, parameters: number, memory: MemoryView): void;
  state(state: RunState): void;
  progress(p: {
    step: number;
    epoch: number;
    seen: number;
    loss: number;
    accuracy: number;
    samplesPerSec: number;
    memory: MemoryView;
    workerParts: number;
  }): void;
  validation(v: { seen: number; loss: number; accuracy: number }): void;
  /** Predicted classes of the grid's digits. */
  grid(predictions: Int32Array): void;
  loaded(name: string, kind: ModelKind): void;
  error(message: string): void;
}

const ORDER: Record<BackendChoice, string[]> = { auto: ['webgpu', 'cpu'], webgpu: ['webgpu'], cpu: ['cpu'] };
/** Live validation at most this often (ms of training); also after every epoch. */
const VALIDATE_EVERY_MS = 2000;

/** What the page shows as the device: the adapter, or the CPU kernels in use. */
function deviceName(
  backend: string,
  info: Readonly<Record<string, string | number | boolean>>,
  fallback: readonly string[],
): string {
  if (backend === 'webgpu') {
    const parts = [info.description, info.vendor, info.architecture].filter((p) => typeof p === 'string' && p !== '');
    return parts.join(' · ') || 'WebGPU adapter';
  }
  const wasm = info.wasm === 'off' || info.wasm === undefined ? 'TypeScript kernels' : `WebAssembly ${String(info.wasm).toUpperCase()}`;
  const why = fallback.length > 0 ? ` (WebGPU unavailable: ${fallback.join('; ')})` : '';
  return `${wasm}, ${String(info.threads ?? 1)} thread${info.threads === 1 ? '' : 's'}${why}`;
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One job and what the page knows about it. */
interface Current {
  readonly handle: TrainingHandle;
  readonly settings: TrainSettings;
  /** Whether it has trained a step (paused before that shows as idle). */
  trained: boolean;
  /** Its `ready` event arrived (errors before it belong to whoever started the job). */
  ready: boolean;
  /** Its epochs ran to the end; the model stays for drawing, saving and Continue. */
  finished: boolean;
  seen: number;
}

/** The page's training session. */
export class Session {
  private job: Current | null = null;
  private spec: ModelSpec = defaultSpec('mlp');
  /** What finished jobs of this model trained (Continue adds to it). */
  private base = { seen: 0, steps: 0, epochs: 0 };
  private gridX: ArrayPayload | null = null;
  private announced = false;
  private drawing: { pixels: Float32Array; done: (probs: Float32Array | null) => void } | null = null;
  private predicting = false;
  /** Serialises commands that replace the job. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly worker: Worker,
    private readonly backend: BackendChoice,
    private readonly data: { readonly train: DataSpec; readonly validation: DataSpec },
    private readonly view: SessionView,
    private readonly gridSize: number,
  ) {}

  /** Starts over with a fresh model (same seed: the same initial weights). */
  fresh(settings: TrainSettings): void {
    this.enqueue(async () => {
      this.spec = defaultSpec(settings.model);
      await this.replace({ config: modelConfig(this.spec) }, settings, { fresh: true });
    });
  }

  /** Start, Resume or Continue. */
  start(settings: TrainSettings): void {
    this.enqueue(async () => {
      const job = this.job;
      if (!job) return;
      const same =
        job.settings.optimizer === settings.optimizer &&
        job.settings.batchSize === settings.batchSize &&
        job.settings.epochs === settings.epochs;
      if (!job.finished && (job.trained || same)) {
        job.handle.setLr(settings.lr);
        job.handle.resume();
        return;
      }
      // Continue after the last epoch, or other settings before the first step: a new job
      // from the current weights (the optimizer starts afresh).
      await this.replace({ file: await job.handle.snapshot() }, settings, { fresh: false });
    });
  }

  pause(): void {
    this.job?.handle.pause();
  }

  setLr(lr: number): void {
    this.job?.handle.setLr(lr);
  }

  /** The model as a file for download. */
  async save(): Promise<{ bytes: Uint8Array; fileName: string }> {
    const job = this.job;
    if (!job) throw new Error('no model yet');
    const bytes = await job.handle.snapshot(pageMetadata(this.spec, this.base.seen + job.seen));
    return { bytes, fileName: `tessera-${specName(this.spec)}.safetensors` };
  }

  /** Loads a safetensors file into the architecture it holds; on failure the current model stays. */
  load(name: string, bytes: Uint8Array, settings: TrainSettings): void {
    this.enqueue(async () => {
      const { jobModelForFile } = await import('./weights-file.js');
      const { spec, model } = jobModelForFile(bytes, name);
      const previous = this.job ? { file: await this.job.handle.snapshot(), spec: this.spec } : null;
      this.spec = spec;
      try {
        await this.replace(model, settings, { fresh: true, name });
      } catch (e) {
        this.view.error(`${name}: ${describeError(e)}`);
        if (!previous) return;
        this.spec = previous.spec;
        await this.replace({ file: previous.file }, settings, { fresh: true });
      }
    });
  }

  /** Class probabilities of a drawn digit; a newer drawing supersedes one still waiting (null). */
  classify(pixels: Float32Array, done: (probs: Float32Array | null) => void): void {
    this.drawing?.done(null);
    this.drawing = { pixels, done };
    if (!this.predicting) void this.drain();
  }

  private async drain(): Promise<void> {
    this.predicting = true;
    try {
      while (this.drawing && this.job) {
        const { pixels, done } = this.drawing;
        this.drawing = null;
        const out = await this.job.handle.predict({ data: pixels, shape: [1, 1, 28, 28] }).catch(() => null);
        done(out ? softmax(out.data) : null);
      }
    } finally {
      this.predicting = false;
    }
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((e: unknown) => this.view.error(describeError(e)));
  }

  /** Ends the current job (waiting for it to stop) and starts a new one, paused when `fresh`; resolves when the new one is ready. */
  private async replace(model: JobModel, settings: TrainSettings, how: { fresh: boolean; name?: string }): Promise<void> {
    const old = this.job;
    this.job = null;
    if (old) {
      await old.handle.stop().catch(() => undefined);
      old.handle.close();
    }
    if (how.fresh) this.base = { seen: 0, steps: 0, epochs: 0 };
    const handle = startTraining(this.worker, {
      model,
      data: this.data.train,
      validationData: this.data.validation,
      optimizer: { name: settings.optimizer, options: { lr: settings.lr } },
      loss: 'crossEntropy',
      metrics: ['accuracy'],
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: this.base.epochs,
      backends: ORDER[this.backend],
      validateEveryMs: VALIDATE_EVERY_MS,
      validateAtStart: how.fresh,
      startPaused: how.fresh,
      sampleExamples: this.gridX ? 0 : this.gridSize,
    });
    const job: Current = { handle, settings, trained: false, ready: false, finished: false, seen: 0 };
    this.job = job;
    handle.on((e) => this.onEvent(job, e, how));
    handle.result.then(
      (r) => this.finished(job, r),
      (e: unknown) => void (job === this.job && job.ready && this.view.error(describeError(e))),
    );
    // Ready (or failed) before the next command runs.
    for await (const e of handle.events) if (e.type === 'ready') break;
  }

  private finished(job: Current, r: TrainingResult): void {
    if (job !== this.job || r.stopped) return;
    this.base = { seen: this.base.seen + r.seen, steps: this.base.steps + r.steps, epochs: this.base.epochs + job.settings.epochs };
    job.seen = 0;
    job.finished = true;
    this.view.state('done');
  }

  private onEvent(job: Current, e: TrainingEvent, how: { fresh: boolean; name?: string }): void {
    if (job !== this.job) return;
    switch (e.type) {
      case 'ready':
        job.ready = true;
        if (!this.announced && e.samples) {
          this.announced = true;
          this.gridX = e.samples.x;
          this.view.ready({
            backend: e.backend,
            device: deviceName(e.backend, e.backendInfo, e.fallback),
            threads: e.backend === 'cpu' ? Number(e.backendInfo.threads ?? 1) : 0,
            trainSize: e.trainExamples,
            validationSize: e.validationExamples,
            gridImages: Uint8Array.from(e.samples.x.data, (v) => Math.round(v * 255)),
            gridLabels: Int32Array.from(e.samples.y.data),
          });
        }
        if (how.fresh) this.view.model(this.spec.kind, e.parameters, e.memory);
        if (how.name) this.view.loaded(how.name, this.spec.kind);
        return;
      case 'state':
        if (e.state === 'training') job.trained = true;
        if (e.state === 'training' || e.state === 'paused') this.view.state(e.state === 'paused' && !job.trained ? 'idle' : e.state);
        return;
      case 'progress':
        job.seen = e.seen;
        this.view.progress({
          step: this.base.steps + e.step,
          epoch: this.base.epochs + e.epoch,
          seen: this.base.seen + e.seen,
          loss: e.loss,
          accuracy: e.metrics.accuracy ?? 0,
          samplesPerSec: e.samplesPerSec,
          memory: e.memory,
          workerParts: Number(e.backendInfo.workerParts ?? 0),
        });
        return;
      case 'validation':
        this.view.validation({ seen: this.base.seen + e.seen, loss: e.logs.loss, accuracy: e.logs.accuracy });
        if (this.gridX) job.handle.predict(this.gridX).then((p) => job === this.job && this.view.grid(argmaxRows(p)), () => undefined);
        return;
      default:
    }
  }
}
