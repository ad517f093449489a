/**
 * The worker half: answers `startTraining`'s messages. One job trains at a time; the
 * latest finished job keeps its model for `predict` and `snapshot` until it is closed or
 * a new job starts.
 */
import { registerZoo } from '@tessera/models';
import { type Endpoint, channel } from './endpoint.js';
import { errorPayload } from './errors.js';
import { type FromTrainingWorker, type ToTrainingWorker, TAG, isTrainingMessage } from './protocol.js';
import { TrainingJob } from './job.js';
import { type DatasetLoader, fetchLoader } from './setup.js';

/** Options of `serveTraining`. */
export interface ServeTrainingOptions {
  /**
   * Where the host's messages arrive: default the worker's global scope (`self` in a Web
   * Worker). In a Node worker thread pass `parentPort` of `node:worker_threads`.
   */
  readonly endpoint?: Endpoint;
  /**
   * Loads registered datasets named by a spec (default `fetchDataset`: a verified fetch).
   * In Node pass one that reads files, e.g.
   * `(name, o) => loadDataset(name, { split: o.split, ...o.options })` of `@tessera/datasets/node`.
   */
  readonly loadDataset?: DatasetLoader;
  /**
   * Runs (and is awaited) once a job's backend has started (core's `init`), before the model is built: e.g.
   * `(b) => b === 'webgpu' ? warmup() : undefined` to compile WebGPU's pipelines ahead.
   */
  readonly onBackend?: (backend: string) => unknown;
}

/** A running server; `close()` stops listening (jobs already running go on). */
export interface TrainingServer {
  close(): void;
}

function defaultEndpoint(): Endpoint {
  const g = globalThis as unknown as Partial<Endpoint>;
  if (
    typeof (g as { postMessage?: unknown }).postMessage === 'function' &&
    typeof (g as { addEventListener?: unknown }).addEventListener === 'function'
  )
    return g as Endpoint;
  throw new TypeError(
    'serveTraining: no endpoint given and this is not a Web Worker; ' +
      "in a Node worker thread pass { endpoint: parentPort } from 'node:worker_threads'.",
  );
}

/**
 * Serves training jobs in this worker. The worker script installs its backends first
 * (`use(cpu())`, or `import 'tessera/register'`), then calls this once. Model configs and
 * model files of the zoo resolve by themselves (`registerZoo()` runs here).
 *
 * @example
 * // train-worker.ts (a module Web Worker)
 * import { use } from '@tessera/core';
 * import { cpu } from '@tessera/backend-cpu';
 * import { serveTraining } from '@tessera/train/worker';
 * use(cpu());
 * serveTraining();
 */
export function serveTraining(opts: ServeTrainingOptions = {}): TrainingServer {
  registerZoo();
  const ch = channel(opts.endpoint ?? defaultEndpoint());
  const env = { loadDataset: opts.loadDataset ?? fetchLoader, ...(opts.onBackend ? { onBackend: opts.onBackend } : {}) };
  const jobs = new Map<number, TrainingJob>();
  const post = (m: FromTrainingWorker, transfer: ArrayBuffer[] = []): void => ch.post(m, transfer);

  const start = (id: number, spec: Extract<ToTrainingWorker, { type: 'start' }>['spec']): void => {
    const running = [...jobs.values()].find((j) => j.active);
    if (running) {
      post({
        tessera: TAG,
        type: 'error',
        job: id,
        error: {
          name: 'TrainingBusyError',
          message: `job ${running.id} is still training in this worker; stop it (await handle.stop()) before starting another, ` +
            'or use a second worker.',
        },
      });
      return;
    }
    for (const [k, j] of jobs) {
      j.close(); // a worker keeps the model of its latest job only
      jobs.delete(k);
    }
    const job = new TrainingJob(id, spec, (event, transfer) => post({ tessera: TAG, type: 'event', job: id, event }, transfer), env);
    jobs.set(id, job);
    job.run().catch((e: unknown) => post({ tessera: TAG, type: 'error', job: id, error: errorPayload(e) }));
  };

  const reply = (job: number, request: number, work: () => Promise<Uint8Array | { data: ArrayBufferView }>): void => {
    work().then(
      (value) =>
        post({ tessera: TAG, type: 'reply', job, request, value: value as never }, [
          ('data' in value ? value.data : value).buffer as ArrayBuffer,
        ]),
      (e: unknown) => post({ tessera: TAG, type: 'replyError', job, request, error: errorPayload(e) }),
    );
  };

  const closed = (id: number) => async (): Promise<never> => {
    throw new Error(`training job ${id} is closed, or a newer job replaced it in this worker.`);
  };

  const unlisten = ch.listen((data) => {
    if (!isTrainingMessage(data)) return;
    const m = data as ToTrainingWorker;
    if (m.type === 'start') return start(m.job, m.spec);
    const job = jobs.get(m.job);
    switch (m.type) {
      case 'pause': return job?.pause();
      case 'resume': return job?.resume();
      case 'stop': return job?.stop();
      case 'setLr': return job?.setLr(m.lr);
      case 'close':
        job?.close();
        jobs.delete(m.job);
        return;
      case 'predict': return reply(m.job, m.request, job ? () => job.predict(m.x) : closed(m.job));
      case 'snapshot': return reply(m.job, m.request, job ? () => job.snapshot(m.metadata) : closed(m.job));
    }
  });
  return { close: unlisten };
}
