/**
 * What the page's controls choose. Training itself runs in a worker through
 * `tessera/worker` (`startTraining` here, `serveTraining` in `worker/main.ts`), whose
 * messages and events that package types.
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

/** Training state shown by the page. */
export type RunState = 'loading' | 'idle' | 'training' | 'paused' | 'done';
