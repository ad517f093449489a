/**
 * The serialisable training spec, the events a job streams, and every message between the
 * host (`startTraining`) and the worker (`serveTraining`). Types only: everything here
 * survives `structuredClone`, so it crosses `postMessage` to a Web Worker or a Node
 * `worker_threads` Worker unchanged (typed arrays are transferred, not copied).
 */

/** A typed array as it crosses `postMessage`, with its shape. */
export interface ArrayPayload {
  /**
   * Values, row-major. `Uint8Array` is read as image bytes and divided by 255 (as
   * `ImageDataset` does); `Float32Array` is float32; `Int32Array` is int32 (class indices).
   */
  readonly data: Float32Array | Int32Array | Uint8Array;
  readonly shape: readonly number[];
}

/**
 * The model to train: a registered zoo model by name (`registerModel` of @tessera/models),
 * a module config (`{ type, args }`, as `model.getConfig()` gives, e.g.
 * `{ type: 'mlp', args: [{ inFeatures: 784, hidden: [128], outFeatures: 10 }] }`), or the
 * bytes of a model file (`saveModel`, a `tessera train` checkpoint). With a config, `weights`
 * (safetensors bytes) are loaded into it strictly.
 */
export type ModelSpec =
  | { readonly name: string; readonly numClasses: number; readonly inputShape: readonly [number, number, number] }
  | {
      /** A registered text model (`registerModel` with a text task, e.g. `'char-gpt'`), built with `buildTextModel`. */
      readonly name: string;
      /** Its vocabulary sizes and context (`TextModelBuildOptions` of @tessera/models). */
      readonly text: {
        readonly srcVocabSize: number;
        readonly tgtVocabSize?: number;
        readonly blockSize: number;
        readonly dModel?: number;
        readonly layers?: number;
      };
    }
  | { readonly config: { readonly type: string; readonly args: readonly unknown[] }; readonly weights?: Uint8Array }
  | { readonly file: Uint8Array }
  | TransferModelSpec;

/**
 * Transfer learning: the registered zoo model `name` built for `numClasses` classes on
 * `inputShape` images (its classifier, `headName` of @tessera/models, is a fresh one of the
 * new size: `replaceHead`), with every other tensor loaded from `backbone`, the weights of
 * the same model pretrained on any class count (safetensors bytes, e.g. a model file or
 * `saveWeights`, or a state dict of arrays). The head's tensors whose shape differs are
 * skipped and listed in the `ready` event's `transfer` report; any other difference is a
 * `StateDictError` naming the tensor and both shapes.
 *
 * @example
 * { transfer: { name: 'mnist-cnn', inputShape: [1, 28, 28], numClasses: 3, backbone: mnistWeights, freezeBackbone: true } }
 */
export interface TransferModelSpec {
  readonly transfer: {
    readonly name: string;
    readonly inputShape: readonly [number, number, number];
    readonly numClasses: number;
    readonly backbone: Uint8Array | Readonly<Record<string, ArrayPayload>>;
    /**
     * Train the head only: the backbone's parameters stop requiring gradients and the
     * optimizer gets the head's alone, so they end bit-identical. (BatchNorm running
     * statistics, buffers, still follow train mode.)
     */
    readonly freezeBackbone?: boolean;
    /** Fine-tune everything, the backbone at this learning rate (a parameter group) and the head at `optimizer.options.lr`. */
    readonly backboneLr?: number;
  };
}

/** What a transfer job loaded (the `ready` event's `transfer`). */
export interface TransferReport {
  /** The head's dotted name (`fc`, `9`, …). */
  readonly head: string;
  /** The head's tensors whose pretrained shape differs (another class count): not loaded. */
  readonly skipped: readonly { readonly name: string; readonly weightsShape: readonly number[]; readonly modelShape: readonly number[] }[];
  /** The head's tensors the weights do not have: freshly initialised. */
  readonly fresh: readonly string[];
  /** Tensors loaded from the weights. */
  readonly loaded: number;
  readonly trainableParameters: number;
  readonly frozenParameters: number;
}

/**
 * Training data: tensors as arrays (`x` [N, …], or a list of inputs for a model that takes
 * several — a sequence-to-sequence model's `[src, tgtIn]` token ids —, `y` [N] class indices
 * or [N, …] targets such as next tokens),
 * or a registered dataset (`registerDataset` of @tessera/datasets) that the worker loads
 * itself: by default with `fetchDataset` (verified download from `mirrors`, or the
 * descriptor's), or with `serveTraining`'s `loadDataset` (e.g. `loadDataset` of
 * `@tessera/datasets/node` in Node). `limit` keeps the first examples only.
 */
export type DataSpec =
  | { readonly x: ArrayPayload | readonly ArrayPayload[]; readonly y: ArrayPayload }
  | {
      readonly dataset: string;
      readonly split?: 'train' | 'test';
      readonly mirrors?: readonly string[];
      readonly checksums?: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
      /** Dataset-specific options (CIFAR-100: `{ label: 'coarse' }`). */
      readonly options?: Readonly<Record<string, unknown>>;
      readonly limit?: number;
    };

/** A whole training job, serialisable. */
export interface TrainingSpec {
  readonly model: ModelSpec;
  readonly data: DataSpec;
  /** Held-out data evaluated after every epoch (and live, see `validateEveryMs`); exclusive with `validationSplit`. */
  readonly validationData?: DataSpec;
  /** This fraction of `data` is held out for validation (stratified by class, seeded by `seed`). */
  readonly validationSplit?: number;
  /** An optimizer of @tessera/optim's registry by name (`'adam'`, `'sgd'`, …) and its options (`{ lr: 1e-3 }`). */
  readonly optimizer: { readonly name: string; readonly options?: Readonly<Record<string, unknown>> };
  /**
   * A loss name of `fit` (`'crossEntropy'`, `'mse'`, `'tokenCrossEntropy'` for text models'
   * logits [N, L, V] against token ids [N, L], or one registered with `registerLoss` in the worker).
   */
  readonly loss: string;
  /** Metric names for `fit` (`'accuracy'`, `'top5Accuracy'`, `'f1'`, …); default `['accuracy']` with a class-index target, else none. */
  readonly metrics?: readonly string[];
  readonly epochs: number;
  readonly batchSize: number;
  /** Shuffle every epoch (default true). */
  readonly shuffle?: boolean;
  /** `manualSeed` before the model is built: the same seed gives the same run as an in-process `fit`. Default 0. */
  readonly seed?: number;
  /**
   * Backends to try, in order, with core's `init` (default: every installed one, best
   * first). The worker script installs them (`use(cpu())`, `import 'tessera/register'`).
   */
  readonly backends?: readonly string[];
  /** Compile the training step (`fit`'s `compile`; default: fit's default). */
  readonly compile?: boolean;
  /** A `progress` event at most this often (default 250 ms of wall time; 0: after every batch). */
  readonly reportEveryMs?: number;
  /**
   * Also validate during an epoch, at most this often (ms of training) and taking at most
   * about a fifth of the time; default: only after each epoch.
   */
  readonly validateEveryMs?: number;
  /** Validate the untrained model before the first step (default false). */
  readonly validateAtStart?: boolean;
  /** Start paused: the job is built (and validated with `validateAtStart`) and waits for `resume()`. */
  readonly startPaused?: boolean;
  /** Send the first this many validation examples (inputs and targets) with the `ready` event, e.g. to show them. */
  readonly sampleExamples?: number;
}

/** Live tensor memory of the worker (core's `memory()`). */
export interface MemoryInfo {
  readonly numTensors: number;
  readonly numBytes: number;
  readonly pooledBytes: number;
}

/** Scalar facts a backend reports (`info()`): adapter, threads, kernels… */
export type BackendInfo = Readonly<Record<string, string | number | boolean>>;

/** Job states. */
export type TrainingState = 'training' | 'paused' | 'stopping' | 'done';

/** What a training job streams to the host, in order. */
export type TrainingEvent =
  | {
      /** The job is built: backend started, data loaded, model and optimizer made. */
      readonly type: 'ready';
      readonly backend: string;
      readonly backendInfo: BackendInfo;
      /** Why earlier backends in `backends` did not start. */
      readonly fallback: readonly string[];
      readonly parameters: number;
      readonly trainExamples: number;
      readonly validationExamples: number;
      /** Batches per epoch. */
      readonly stepsPerEpoch: number;
      /** `sampleExamples` validation examples, when asked for. */
      readonly samples?: { readonly x: ArrayPayload; readonly y: ArrayPayload };
      /** What a `transfer` model loaded and skipped. */
      readonly transfer?: TransferReport;
      readonly memory: MemoryInfo;
    }
  | { readonly type: 'state'; readonly state: TrainingState; readonly epoch: number; readonly step: number }
  | { readonly type: 'epochBegin'; readonly epoch: number }
  | {
      /** The batches since the previous `progress` event. */
      readonly type: 'progress';
      readonly epoch: number;
      /** Optimizer steps taken so far. */
      readonly step: number;
      /** Examples trained on so far. */
      readonly seen: number;
      /** Mean loss of the batches in this window. */
      readonly loss: number;
      /** Means over the window of each batch metric (`accuracy`). */
      readonly metrics: Readonly<Record<string, number>>;
      /** Examples per second in the window (validation and pauses excluded). */
      readonly samplesPerSec: number;
      readonly memory: MemoryInfo;
      readonly backendInfo: BackendInfo;
    }
  | {
      /** Loss and metrics on the validation data (live, or the epoch's). */
      readonly type: 'validation';
      readonly epoch: number;
      readonly step: number;
      readonly seen: number;
      readonly logs: Readonly<Record<string, number>>;
    }
  | { readonly type: 'epochEnd'; readonly epoch: number; readonly logs: Readonly<Record<string, number>> }
  | { readonly type: 'done'; readonly result: TrainingResult };

/** What a job returns. */
export interface TrainingResult {
  /** The trained model as a model file (`saveModel`: safetensors with the architecture); `loadModel` rebuilds it. */
  readonly weights: Uint8Array;
  /** `fit`'s history: per-epoch logs. */
  readonly history: {
    readonly epochs: readonly number[];
    readonly history: Readonly<Record<string, readonly number[]>>;
    readonly stopReason: string | null;
  };
  /** True when `stop()` ended it early. */
  readonly stopped: boolean;
  readonly steps: number;
  readonly seen: number;
}

/** An error as it crosses `postMessage`. */
export interface ErrorPayload {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Host → worker. */
export type ToTrainingWorker =
  | { readonly tessera: 'train'; readonly type: 'start'; readonly job: number; readonly spec: TrainingSpec }
  | { readonly tessera: 'train'; readonly type: 'pause' | 'resume' | 'stop' | 'close'; readonly job: number }
  | { readonly tessera: 'train'; readonly type: 'setLr'; readonly job: number; readonly lr: number }
  | { readonly tessera: 'train'; readonly type: 'predict'; readonly job: number; readonly request: number; readonly x: ArrayPayload }
  | {
      readonly tessera: 'train';
      readonly type: 'snapshot';
      readonly job: number;
      readonly request: number;
      readonly metadata: Readonly<Record<string, string>>;
    };

/** Worker → host. */
export type FromTrainingWorker =
  | { readonly tessera: 'train'; readonly type: 'event'; readonly job: number; readonly event: TrainingEvent }
  | { readonly tessera: 'train'; readonly type: 'error'; readonly job: number; readonly error: ErrorPayload }
  | {
      readonly tessera: 'train';
      readonly type: 'reply';
      readonly job: number;
      readonly request: number;
      readonly value: ArrayPayload | Uint8Array;
    }
  | {
      readonly tessera: 'train';
      readonly type: 'replyError';
      readonly job: number;
      readonly request: number;
      readonly error: ErrorPayload;
    };

/** @internal Tag on every message of this protocol, so other messages on the same worker pass by. */
export const TAG = 'train';

/** @internal Whether a message belongs to this protocol. */
export function isTrainingMessage(m: unknown): m is { readonly tessera: 'train'; readonly type: string; readonly job: number } {
  return typeof m === 'object' && m !== null && (m as { tessera?: unknown }).tessera === TAG;
}
