/**
 * Messages between the page (main thread) and the training worker. Everything the worker
 * knows about training reaches the page through these; the page never touches tensors.
 */

/** Architectures the page can train. */
export type ModelKind = 'cnn' | 'mlp';
/** Optimizers offered (names of @tessera/optim's registry). */
export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';
/** Which backend to use: the best available, or forced. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** Training settings chosen in the page. */
export interface TrainSettings {
  readonly model: ModelKind;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly batchSize: number;
  readonly epochs: number;
}

/** Where the gzipped IDX files of the sample live and their checksums. */
export interface SampleLocation {
  /** Absolute URL of the folder holding the four files. */
  readonly baseUrl: string;
  readonly checksums: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
}

/** Page → worker. */
export type ToWorker =
  | {
      readonly type: 'init';
      readonly backend: BackendChoice;
      readonly threads: number | null;
      readonly sample: SampleLocation;
      readonly settings: TrainSettings;
      readonly gridSize: number;
    }
  | { readonly type: 'start'; readonly settings: TrainSettings }
  | { readonly type: 'pause' }
  | { readonly type: 'reset'; readonly settings: TrainSettings }
  | { readonly type: 'setLr'; readonly lr: number }
  | { readonly type: 'predict'; readonly id: number; readonly pixels: Float32Array }
  | { readonly type: 'save' }
  | { readonly type: 'load'; readonly name: string; readonly bytes: Uint8Array };

/** Training state shown by the page. */
export type RunState = 'loading' | 'idle' | 'training' | 'paused' | 'done';

/** Live tensor memory (core's `memory()`). */
export interface MemoryReport {
  readonly numTensors: number;
  readonly numBytes: number;
  readonly pooledBytes: number;
}

/** Worker → page. */
export type FromWorker =
  | {
      readonly type: 'ready';
      readonly backend: string;
      /** Adapter description (WebGPU) or the CPU kernels in use. */
      readonly device: string;
      readonly isolated: boolean;
      /** Threads of the CPU backend's WebAssembly GEMM (`info().threads`); 0 on WebGPU. */
      readonly threads: number;
      readonly trainSize: number;
      readonly testSize: number;
      /** The first test digits (gridSize × 784 bytes) and their labels, for the grid. */
      readonly gridImages: Uint8Array;
      readonly gridLabels: Int32Array;
    }
  | { readonly type: 'model'; readonly model: ModelKind; readonly parameters: number; readonly memory: MemoryReport }
  | { readonly type: 'state'; readonly state: RunState; readonly epoch: number; readonly step: number }
  | {
      readonly type: 'progress';
      readonly step: number;
      readonly epoch: number;
      /** Examples trained on so far (x axis of the plots). */
      readonly seen: number;
      /** Mean loss and accuracy of the batches since the previous report. */
      readonly loss: number;
      readonly accuracy: number;
      readonly samplesPerSec: number;
      readonly memory: MemoryReport;
      /** GEMM parts the CPU backend's worker threads have run so far (`info().workerParts`; 0 on WebGPU or one thread). */
      readonly workerParts: number;
    }
  | {
      readonly type: 'validation';
      readonly seen: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly examples: number;
      readonly gridPredictions: Int32Array;
    }
  | { readonly type: 'prediction'; readonly id: number; readonly probs: Float32Array }
  | { readonly type: 'weights'; readonly bytes: Uint8Array; readonly fileName: string }
  | { readonly type: 'loaded'; readonly name: string; readonly model: ModelKind }
  | { readonly type: 'error'; readonly message: string };
