/**
 * The transfer-learning page's session on `tessera/worker`: gets a backbone (pretrained
 * here on the MNIST sample, a weights file, or none), then fine-tunes a zoo CNN with a new
 * head on the user's images and classifies them, and webcam frames, while it trains.
 */
import {
  type DataSpec,
  type ModelSpec as JobModel,
  type TrainingEvent,
  type TrainingHandle,
  type TrainingSpec,
  type TransferReport,
  startTraining,
} from 'tessera/worker';
import { accuracy, argmaxRows, softmax } from '../predictions.js';
import type { BackendChoice } from '../settings.js';
import { type FolderImages, INPUT_SHAPE } from './images.js';

/** The zoo models the page offers (registered names; both take 1×28×28, like the MNIST sample). */
const TRANSFER_MODELS = {
  lenet5: 'LeNet-5 (61,706 parameters)',
  'mnist-cnn': 'the MNIST CNN (105,506 parameters)',
} as const;
/** A model of {@link TRANSFER_MODELS}. */
export type TransferModelName = keyof typeof TRANSFER_MODELS;

/** Where the backbone comes from. */
export type Backbone =
  | { readonly kind: 'pretrained'; readonly weights: Uint8Array; readonly examples: number; readonly accuracy: number }
  | { readonly kind: 'file'; readonly weights: Uint8Array; readonly name: string }
  | { readonly kind: 'none' };

/** What the fine-tuning trains. */
export type TrainPart = 'all' | 'head';

/** Settings of a fine-tuning run. */
export interface FineTuneSettings {
  readonly model: TransferModelName;
  readonly train: TrainPart;
  readonly lr: number;
  readonly epochs: number;
  readonly batchSize: number;
}

/** One line that says what the backbone is, for the page. */
export function describeBackbone(b: Backbone, model: TransferModelName): string {
  const name = TRANSFER_MODELS[model].replace(/ \(.*/, '');
  switch (b.kind) {
    case 'pretrained':
      return `${name} pretrained in this page on ${b.examples.toLocaleString('en')} MNIST digits ` +
        `(${(b.accuracy * 100).toFixed(1)} % on held-out digits); its head is replaced for your classes`;
    case 'file':
      return `${name} with the weights of ${b.name}; its head is replaced for your classes`;
    default:
      return `${name} trained from scratch (no pretrained weights)`;
  }
}

/**
 * The job spec of a fine-tuning run: with a backbone, a `transfer` model (new head; the
 * backbone frozen, or at a tenth of the head's rate); without one, the model from scratch.
 */
export function fineTuneSpec(images: FolderImages, backbone: Backbone, s: FineTuneSettings, backends: readonly string[]): TrainingSpec {
  const numClasses = images.classes.length;
  const model: JobModel =
    backbone.kind === 'none'
      ? { name: s.model, numClasses, inputShape: INPUT_SHAPE }
      : {
          transfer: {
            name: s.model, inputShape: INPUT_SHAPE, numClasses, backbone: backbone.weights,
            ...(s.train === 'head' ? { freezeBackbone: true } : { backboneLr: s.lr / 10 }),
          },
        };
  return {
    model,
    data: images.data,
    optimizer: { name: 'adam', options: { lr: s.lr } },
    loss: 'crossEntropy',
    metrics: ['accuracy'],
    epochs: s.epochs,
    batchSize: s.batchSize,
    backends,
    reportEveryMs: 200,
  };
}

/** What the session tells the page. */
export interface TransferView {
  status(text: string): void;
  backbone(text: string, b: Backbone): void;
  /** A fine-tuning job is built: what it loaded and skipped. */
  ready(info: { backend: string; parameters: number; transfer: TransferReport | undefined }): void;
  progress(p: { epoch: number; step: number; loss: number; accuracy: number }): void;
  /** Predicted classes of the user's images and their accuracy against the folder labels. */
  predictions(predicted: Int32Array, accuracy: number): void;
  /** Class probabilities of a webcam frame. */
  frame(probs: Float32Array): void;
  done(): void;
  error(message: string): void;
}

const ORDER: Record<BackendChoice, string[]> = { auto: ['webgpu', 'cpu'], webgpu: ['webgpu'], cpu: ['cpu'] };
/** Predictions of the images at most this often while training. */
const PREDICT_EVERY_MS = 500;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The page's transfer-learning session: one job at a time in the training worker. */
export class TransferSession {
  private job: TrainingHandle | null = null;
  private lastPredict = 0;
  private predicting = false;

  constructor(
    private readonly worker: Worker,
    private readonly backendChoice: BackendChoice,
    private readonly view: TransferView,
  ) {}

  private get backends(): string[] {
    return ORDER[this.backendChoice];
  }

  /** Pretrains `model` on the MNIST sample for one epoch; resolves with the backbone (its weights as a model file). */
  async pretrain(model: TransferModelName, train: DataSpec, validation: DataSpec): Promise<Backbone> {
    await this.end();
    this.view.status(`pretraining ${model} on the MNIST sample…`);
    const job = startTraining(this.worker, {
      model: { name: model, numClasses: 10, inputShape: INPUT_SHAPE },
      data: train, validationData: validation,
      optimizer: { name: 'adam', options: { lr: 3e-3 } }, loss: 'crossEntropy', metrics: ['accuracy'],
      epochs: 1, batchSize: 64, backends: this.backends, reportEveryMs: 500,
    });
    this.job = job;
    job.on((e) => {
      if (e.type === 'progress') this.view.status(`pretraining ${model} on the MNIST sample: ${e.seen.toLocaleString('en')} digits…`);
    });
    let r: Awaited<typeof job.result>;
    try {
      r = await job.result;
    } finally {
      job.close();
      if (this.job === job) this.job = null;
    }
    const acc = r.history.history.val_accuracy?.at(-1) ?? 0;
    return { kind: 'pretrained', weights: r.weights, examples: r.seen, accuracy: acc };
  }

  /** Fine-tunes on the images, predicting them live; resolves when training ends (the model stays for frames). */
  async fineTune(images: FolderImages, backbone: Backbone, s: FineTuneSettings): Promise<void> {
    await this.end();
    const job = startTraining(this.worker, fineTuneSpec(images, backbone, s, this.backends));
    this.job = job;
    job.on((e) => this.onEvent(job, images, e));
    try {
      await job.result;
    } catch (e) {
      if (this.job === job) this.view.error(message(e));
      return;
    }
    if (this.job !== job) return;
    await this.predictImages(job, images);
    this.view.done();
  }

  /** Stops training (the model stays for predictions). */
  stop(): void {
    void this.job?.stop().catch(() => undefined);
  }

  /** Classifies one frame (1×28×28 bytes); null when no model is ready or the frame was dropped. */
  async classifyFrame(bytes: Uint8Array): Promise<Float32Array | null> {
    const job = this.job;
    if (!job) return null;
    const out = await job.predict({ data: bytes, shape: [1, ...INPUT_SHAPE] }).catch(() => null);
    if (!out || job !== this.job) return null;
    const probs = softmax(out.data);
    this.view.frame(probs);
    return probs;
  }

  private async end(): Promise<void> {
    const old = this.job;
    this.job = null;
    if (!old) return;
    await old.stop().catch(() => undefined);
    old.close();
  }

  private onEvent(job: TrainingHandle, images: FolderImages, e: TrainingEvent): void {
    if (job !== this.job) return;
    if (e.type === 'ready') this.view.ready({ backend: e.backend, parameters: e.parameters, transfer: e.transfer });
    else if (e.type === 'progress') {
      this.view.progress({ epoch: e.epoch, step: e.step, loss: e.loss, accuracy: e.metrics.accuracy ?? 0 });
      if (performance.now() - this.lastPredict >= PREDICT_EVERY_MS) void this.predictImages(job, images);
    }
  }

  /** Predicts every image (between two training steps) and shows the classes. */
  private async predictImages(job: TrainingHandle, images: FolderImages): Promise<void> {
    if (this.predicting) return;
    this.predicting = true;
    this.lastPredict = performance.now();
    try {
      const out = await job.predict(images.data.x).catch(() => null);
      if (!out || job !== this.job) return;
      const predicted = argmaxRows(out);
      this.view.predictions(predicted, accuracy(predicted, images.labels));
    } finally {
      this.predicting = false;
    }
  }
}
