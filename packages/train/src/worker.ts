/**
 * @packageDocumentation
 * `@tessera/train/worker`: `fit` in a Web Worker or a Node `worker_threads` Worker, from a
 * serialisable spec. The host calls `startTraining(worker, spec)` and gets a handle that
 * streams progress events and pauses, resumes, stops, predicts and snapshots; the worker
 * script calls `serveTraining()`. The host half imports nothing of Tessera at run time.
 */
export { startTraining, type StartTrainingOptions, type TrainingHandle } from './worker/host.js';
export { serveTraining, type ServeTrainingOptions, type TrainingServer } from './worker/serve.js';
export { TrainingWorkerError } from './worker/errors.js';
export type { Endpoint, NodeEndpoint, WebEndpoint } from './worker/endpoint.js';
export type { DatasetLoader } from './worker/setup.js';
export type {
  ArrayPayload,
  BackendInfo,
  DataSpec,
  ErrorPayload,
  FromTrainingWorker,
  MemoryInfo,
  ModelSpec,
  ToTrainingWorker,
  TrainingEvent,
  TrainingResult,
  TrainingSpec,
  TrainingState,
  TransferModelSpec,
  TransferReport,
} from './worker/protocol.js';
