/**
 * Everything the worker does with the model: training with `fit` (start, pause, resume,
 * stop), live reports and validation, classifying drawn digits between training steps,
 * and saving/loading safetensors weights.
 */
import { type Tensor, getBackend, getDefaultBackend, keep, manualSeed, memory, noGrad, tensor, tidy } from '@tessera/core';
import { DataLoader } from '@tessera/datasets';
import { type Sequential, loadWeights, readSafetensorsHeader } from '@tessera/layers';
import { type Optimizer, optimizer } from '@tessera/optim';
import { type TrainContext, TopKAccuracy, evaluate, fit, predict, yieldToEventLoop } from '@tessera/train';
import type { FromWorker, MemoryReport, RunState, TrainSettings } from '../protocol.js';
import type { SampleData } from './data.js';
import { LiveReporter, type WindowReport } from './live.js';
import { type ModelSpec, buildModel, encodePageModel, defaultSpec, specFromHeader, specName } from './models.js';

/** Sends a message to the page, transferring the listed buffers. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

/** Validation runs at most every this many ms of training, and takes at most ~20 % of the time. */
const MIN_VALIDATION_INTERVAL_MS = 2000;

const now = (): number => performance.now();


/** GEMM parts the CPU backend's worker threads have run (0 on other backends). */
function workerParts(): number {
  const parts = getBackend(getDefaultBackend()).info?.().workerParts;
  return typeof parts === 'number' ? parts : 0;
}

function memoryReport(): MemoryReport {
  const m = memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, pooledBytes: m.pooledBytes };
}

/** Owns the model, its optimizer and the training run. */
export class Trainer {
  private spec: ModelSpec;
  private model: Sequential;
  private opt: Optimizer | null = null;
  private optName = '';
  private settings: TrainSettings;
  private state: RunState = 'idle';
  private run: Promise<void> | null = null;
  private stopRequested = false;
  private pauseRequested = false;
  private resume: (() => void) | null = null;
  private seen = 0;
  private step = 0;
  private epochBase = 0;
  private epoch = 0;
  private lastValEnd = 0;
  private lastValMs = 0;
  private predicting = false;
  private nextPrediction: { id: number; pixels: Float32Array } | null = null;

  constructor(
    private readonly data: SampleData,
    /** Validation examples (kept on the device). */
    private readonly val: { readonly x: Tensor; readonly y: Tensor },
    /** The grid's digits [G, 1, 28, 28] (kept on the device). */
    private readonly grid: Tensor,
    settings: TrainSettings,
    private readonly post: Post,
  ) {
    this.settings = settings;
    this.spec = defaultSpec(settings.model);
    manualSeed(0);
    this.model = buildModel(this.spec);
  }

  /** Announces the model and takes the first validation point (the untrained network). */
  async announce(): Promise<void> {
    this.post({ type: 'model', model: this.spec.kind, parameters: this.model.numParameters(), memory: memoryReport() });
    this.setState('idle');
    await this.validate();
  }

  /** Starts training with these settings, or resumes a paused run. */
  start(settings: TrainSettings): void {
    this.settings = settings;
    if (this.run) {
      this.setLr(settings.lr);
      this.pauseRequested = false;
      this.resume?.();
      return;
    }
    if (!this.opt || this.optName !== settings.optimizer) {
      this.opt?.dispose();
      this.opt = optimizer(settings.optimizer, this.model.parameters(), { lr: settings.lr });
      this.optName = settings.optimizer;
    }
    this.setLr(settings.lr);
    this.run = this.train(this.opt, settings).finally(() => (this.run = null));
  }

  /** Pauses after the current batch. */
  pause(): void {
    if (this.state === 'training') this.pauseRequested = true;
  }

  /** Changes the learning rate, also during training. */
  setLr(lr: number): void {
    this.settings = { ...this.settings, lr };
    for (const g of this.opt?.paramGroups ?? []) g.lr = lr;
  }

  /** Stops training and starts over with a fresh model (same seed: the same initial weights). */
  async reset(settings: TrainSettings): Promise<void> {
    await this.stop();
    this.settings = settings;
    manualSeed(0);
    this.replaceModel(defaultSpec(settings.model), buildModel(defaultSpec(settings.model)));
    await this.announce();
  }

  /** Classifies a drawn digit (28×28, [0, 1]); only the latest request waiting is kept. */
  predict(id: number, pixels: Float32Array): void {
    this.nextPrediction = { id, pixels };
    if (!this.predicting) void this.drainPredictions();
  }

  /** Posts the weights as a safetensors file (a consistent snapshot, even while training). */
  async save(): Promise<void> {
    const snapshot = noGrad(() => Object.fromEntries(Object.entries(this.model.stateDict()).map(([k, t]) => [k, keep(t.clone())])));
    try {
      const bytes = await encodePageModel(snapshot, this.model, this.spec, this.seen);
      this.post({ type: 'weights', bytes, fileName: `tessera-${specName(this.spec)}.safetensors` }, [bytes.buffer]);
    } finally {
      Object.values(snapshot).forEach((t) => t.dispose());
    }
  }

  /** Loads a safetensors file into a model of the architecture it holds (strict: every key and shape must match). */
  async load(name: string, bytes: Uint8Array): Promise<void> {
    const spec = specFromHeader(readSafetensorsHeader(bytes), name);
    const model = buildModel(spec);
    try {
      loadWeights(model, bytes);
    } catch (e) {
      model.parameters().forEach((p) => p.dispose());
      throw e;
    }
    await this.stop();
    this.replaceModel(spec, model);
    await this.announce();
    this.post({ type: 'loaded', name, model: spec.kind });
  }

  private replaceModel(spec: ModelSpec, model: Sequential): void {
    this.opt?.dispose();
    this.opt = null;
    this.model.parameters().forEach((p) => p.dispose());
    this.model = model;
    this.spec = spec;
    this.seen = this.step = this.epochBase = this.epoch = 0;
  }

  private async stop(): Promise<void> {
    if (!this.run) return;
    this.stopRequested = true;
    this.resume?.();
    await this.run;
    this.stopRequested = this.pauseRequested = false;
  }

  private setState(state: RunState): void {
    this.state = state;
    this.post({ type: 'state', state, epoch: this.epochBase + this.epoch, step: this.step });
  }

  private async train(opt: Optimizer, s: TrainSettings): Promise<void> {
    this.setState('training');
    const accuracy = new TopKAccuracy(1);
    const reporter = new LiveReporter(accuracy, {
      report: (r) => this.report(r),
      between: (ctx) => this.between(ctx),
      epochEnd: async () => {
        if (!this.stopRequested) await this.validate();
      },
    });
    const loader = new DataLoader(this.data.train, { batchSize: s.batchSize, shuffle: true });
    this.lastValEnd = now();
    await fit(this.model, loader, {
      loss: 'crossEntropy',
      optimizer: opt,
      epochs: s.epochs,
      metrics: [accuracy],
      callbacks: [this.counter(), reporter],
    });
    if (this.stopRequested) return;
    this.epochBase += s.epochs;
    this.epoch = 0;
    this.setState('done');
  }

  /** Counts steps, examples and the epoch (listed before the reporter, so its reports see the counts). */
  private counter(): { onEpochBegin(epoch: number): void; onBatchEnd(info: { readonly size: number }): void } {
    return {
      onEpochBegin: (epoch) => void (this.epoch = epoch),
      onBatchEnd: (info) => {
        this.seen += info.size;
        this.step++;
      },
    };
  }

  private report(r: WindowReport): void {
    this.post({
      type: 'progress', step: this.step, epoch: this.epochBase + r.epoch, seen: this.seen, loss: r.loss,
      accuracy: r.accuracy, samplesPerSec: r.samplesPerSec, memory: memoryReport(), workerParts: workerParts(),
    });
  }

  /** Between two training steps: stop, validate when due, pause, let messages in. */
  private async between(ctx: TrainContext): Promise<void> {
    if (this.stopRequested) {
      ctx.stopTraining = true;
      ctx.stopReason = 'stopped from the page';
      return;
    }
    if (now() - this.lastValEnd >= Math.max(MIN_VALIDATION_INTERVAL_MS, 4 * this.lastValMs)) await this.validate();
    if (this.pauseRequested) {
      this.setState('paused');
      await new Promise<void>((resolve) => (this.resume = resolve));
      this.resume = null;
      this.lastValEnd = now();
      if (this.stopRequested) {
        ctx.stopTraining = true;
        return;
      }
      this.setState('training');
    }
    // Queued messages (pause, predictions while drawing) run after every step, also on the
    // synchronous CPU backend (fit alone yields only every 50 ms).
    await yieldToEventLoop();
  }

  /** Loss and accuracy on the validation digits, and the grid's predicted classes. */
  private async validate(): Promise<void> {
    const t0 = now();
    const logs = await evaluate(this.model, this.val, { loss: 'crossEntropy', metrics: ['accuracy'], batchSize: 250 });
    const logits = await predict(this.model, this.grid, { batchSize: 64 });
    const classes = tidy(() => logits.argmax(1));
    logits.dispose();
    const gridPredictions = Int32Array.from(await classes.data());
    classes.dispose();
    this.post(
      { type: 'validation', seen: this.seen, loss: logs.loss, accuracy: logs.accuracy, examples: this.val.x.shape[0], gridPredictions },
      [gridPredictions.buffer],
    );
    this.lastValMs = now() - t0;
    this.lastValEnd = now();
  }

  private async drainPredictions(): Promise<void> {
    this.predicting = true;
    try {
      while (this.nextPrediction) {
        const { id, pixels } = this.nextPrediction;
        this.nextPrediction = null;
        const probs = await this.classify(pixels);
        this.post({ type: 'prediction', id, probs }, [probs.buffer]);
      }
    } finally {
      this.predicting = false;
    }
  }

  /** Class probabilities of one digit, in eval mode without gradients (synchronous up to the read). */
  private async classify(pixels: Float32Array): Promise<Float32Array> {
    const model = this.model;
    const modes = model.modules().map((m) => [m, m.training] as const);
    model.eval();
    let probs: Tensor;
    try {
      probs = noGrad(() => tidy(() => (model.call(tensor(pixels, { shape: [1, 1, 28, 28] })) as Tensor).softmax(1)));
    } finally {
      for (const [m, t] of modes) m.training = t;
    }
    try {
      return Float32Array.from(await probs.data());
    } finally {
      probs.dispose();
    }
  }
}
