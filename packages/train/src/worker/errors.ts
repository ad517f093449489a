import type { ErrorPayload } from './protocol.js';

/**
 * An error thrown inside the training worker (building the model, loading data, a step),
 * or a worker that failed as a whole, as the host sees it: `remoteName` is the original
 * error's class (`ShapeError`, `ConfigError`, …), the message is the original's, and
 * `remoteStack` its stack in the worker.
 */
export class TrainingWorkerError extends Error {
  override readonly name = 'TrainingWorkerError';
  /** The class name of the error in the worker. */
  readonly remoteName: string;
  /** Its stack trace in the worker, when it had one. */
  readonly remoteStack: string | undefined;

  constructor(error: ErrorPayload, context: string) {
    super(`${context}: ${error.name}: ${error.message}`);
    this.remoteName = error.name;
    this.remoteStack = error.stack;
  }
}

/** @internal Any thrown value as it crosses `postMessage`. */
export function errorPayload(e: unknown): ErrorPayload {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}
