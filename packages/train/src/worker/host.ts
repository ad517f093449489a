/**
 * The host half: starts a training job in a worker and gives a handle to follow and steer
 * it. Imports nothing but types at run time, so a page that only starts jobs stays small.
 */
import { type Endpoint, channel, type Channel } from './endpoint.js';
import { TrainingWorkerError } from './errors.js';
import {
  type ArrayPayload,
  type FromTrainingWorker,
  type ToTrainingWorker,
  type TrainingEvent,
  type TrainingResult,
  type TrainingSpec,
  TAG,
  isTrainingMessage,
} from './protocol.js';

/** Options of `startTraining`. */
export interface StartTrainingOptions {
  /** Called with every event, in order (besides `handle.events`). */
  readonly onEvent?: (event: TrainingEvent) => void;
  /**
   * Transfer the spec's typed arrays (data, model bytes) to the worker instead of copying
   * them: faster and no second copy, but the caller's arrays become empty (default false).
   */
  readonly transfer?: boolean;
}

/** A training job running in a worker. */
export interface TrainingHandle {
  /** The job's events in order, from the first; iteration ends after `done` and throws the job's error if it fails. */
  readonly events: AsyncIterable<TrainingEvent>;
  /** The trained weights and history; rejects with a `TrainingWorkerError` if the job fails. */
  readonly result: Promise<TrainingResult>;
  /** Adds a listener for the events from now on; returns its removal. */
  on(listener: (event: TrainingEvent) => void): () => void;
  /** Pauses after the current step (a `state: 'paused'` event follows); no step runs until `resume()`. */
  pause(): void;
  /** Resumes a paused job (or one started with `startPaused`). */
  resume(): void;
  /** Ends training after the current step; the result (with the weights so far, `stopped: true`) follows. */
  stop(): Promise<TrainingResult>;
  /**
   * Sets the learning rate, also while training: of the last parameter group (a transfer
   * job's head), the others scaled by the same factor (a lower backbone rate stays as much lower).
   */
  setLr(lr: number): void;
  /** The model's output for `x` (eval mode, no gradients), between two steps; also after training ended, until `close()`. */
  predict(x: ArrayPayload): Promise<ArrayPayload>;
  /** The model as it is now, as a model file (`saveModel`), with extra `__metadata__` entries; consistent even while training. */
  snapshot(metadata?: Readonly<Record<string, string>>): Promise<Uint8Array>;
  /** Stops the job if it runs and frees its model in the worker; `predict`/`snapshot` fail afterwards. */
  close(): void;
}

type Pending = { resolve(v: ArrayPayload | Uint8Array): void; reject(e: Error): void };

/** One job's host-side bookkeeping. */
class Job {
  readonly log: TrainingEvent[] = [];
  readonly listeners = new Set<(e: TrainingEvent) => void>();
  readonly waiters = new Set<() => void>();
  readonly pending = new Map<number, Pending>();
  failure: TrainingWorkerError | null = null;
  finished = false;
  closed = false;
  resolveResult!: (r: TrainingResult) => void;
  rejectResult!: (e: Error) => void;
  readonly result = new Promise<TrainingResult>((resolve, reject) => {
    this.resolveResult = resolve;
    this.rejectResult = reject;
  });

  constructor(readonly id: number) {
    // A failure is reported through `events` too; without this a caller who only iterates would see an unhandled rejection.
    this.result.catch(() => undefined);
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }

  event(e: TrainingEvent): void {
    this.log.push(e);
    for (const l of [...this.listeners]) l(e);
    if (e.type === 'done') {
      this.finished = true;
      this.resolveResult(e.result);
    }
    this.wake();
  }

  fail(err: TrainingWorkerError): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = err;
    this.rejectResult(err);
    this.failPending(err);
    this.wake();
  }

  failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async *iterate(): AsyncGenerator<TrainingEvent> {
    for (let i = 0; ; i++) {
      while (i >= this.log.length) {
        if (this.failure) throw this.failure;
        if (this.finished) return;
        await new Promise<void>((r) => this.waiters.add(r));
      }
      yield this.log[i];
    }
  }
}

/** Routes one endpoint's messages to its jobs (one listener per endpoint, however many jobs). */
class Router {
  readonly jobs = new Map<number, Job>();
  constructor(readonly ch: Channel) {
    ch.listen((m) => {
      if (isTrainingMessage(m)) this.route(m as FromTrainingWorker);
    });
    ch.onFailure((why) => {
      for (const job of this.jobs.values()) job.fail(new TrainingWorkerError(why, `training job ${job.id}: the worker failed`));
    });
  }

  private route(m: FromTrainingWorker): void {
    const job = this.jobs.get(m.job);
    if (!job) return;
    switch (m.type) {
      case 'event':
        return job.event(m.event);
      case 'error':
        return job.fail(new TrainingWorkerError(m.error, `training job ${m.job} failed in the worker`));
      case 'reply':
      case 'replyError': {
        const p = job.pending.get(m.request);
        job.pending.delete(m.request);
        if (m.type === 'reply') p?.resolve(m.value);
        else p?.reject(new TrainingWorkerError(m.error, `training job ${m.job}`));
      }
    }
  }
}

const routers = new WeakMap<object, Router>();
let nextJob = 1;
let nextRequest = 1;

function routerFor(endpoint: Endpoint): Router {
  let r = routers.get(endpoint);
  if (!r) routers.set(endpoint, (r = new Router(channel(endpoint))));
  return r;
}

/** Buffers of the spec's typed arrays (data, model bytes), for a transfer list. */
function specBuffers(spec: TrainingSpec): ArrayBuffer[] {
  const out = new Set<ArrayBufferLike>();
  const add = (a: ArrayBufferView | undefined): void => void (a && out.add(a.buffer));
  const data = (d: TrainingSpec['data'] | undefined): void => {
    if (d && 'x' in d) {
      for (const x of Array.isArray(d.x) ? d.x : [d.x]) add((x as ArrayPayload).data);
      add(d.y.data);
    }
  };
  data(spec.data);
  data(spec.validationData);
  if ('file' in spec.model) add(spec.model.file);
  if ('config' in spec.model) add(spec.model.weights);
  if ('transfer' in spec.model) {
    const b = spec.model.transfer.backbone;
    if (b instanceof Uint8Array) add(b);
    else for (const p of Object.values(b)) add(p.data);
  }
  return [...out].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/**
 * Starts a training job in `worker` (a Web Worker or a Node `worker_threads` Worker whose
 * script calls `serveTraining()`), from a serialisable spec. Several jobs may share a
 * worker, one training at a time.
 *
 * @example
 * const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
 * const job = startTraining(worker, {
 *   model: { name: 'mnist-cnn', numClasses: 10, inputShape: [1, 28, 28] },
 *   data: { dataset: 'mnist' }, validationData: { dataset: 'mnist', split: 'test', limit: 1000 },
 *   optimizer: { name: 'adam', options: { lr: 1e-3 } }, loss: 'crossEntropy', epochs: 2, batchSize: 64,
 * });
 * for await (const e of job.events) if (e.type === 'progress') console.log(e.step, e.loss);
 * const { weights, history } = await job.result; // weights: a model file for loadModel
 */
export function startTraining(worker: Endpoint, spec: TrainingSpec, opts: StartTrainingOptions = {}): TrainingHandle {
  const router = routerFor(worker);
  const job = new Job(nextJob++);
  router.jobs.set(job.id, job);
  if (opts.onEvent) job.listeners.add(opts.onEvent);
  const send = (m: ToTrainingWorker, transfer: ArrayBuffer[] = []): void => router.ch.post(m, transfer);
  const control = (type: 'pause' | 'resume' | 'stop' | 'close'): void => send({ tessera: TAG, type, job: job.id });
  const request = <T extends ArrayPayload | Uint8Array>(
    make: (request: number) => ToTrainingWorker,
    transfer: ArrayBuffer[] = [],
  ): Promise<T> => {
    if (job.closed)
      return Promise.reject(new Error(`training job ${job.id}: the job was closed; predict and snapshot work until close().`));
    const id = nextRequest++;
    return new Promise<T>((resolve, reject) => {
      job.pending.set(id, { resolve: resolve as (v: ArrayPayload | Uint8Array) => void, reject });
      send(make(id), transfer);
    });
  };
  send({ tessera: TAG, type: 'start', job: job.id, spec }, opts.transfer ? specBuffers(spec) : []);
  return {
    events: { [Symbol.asyncIterator]: () => job.iterate() },
    result: job.result,
    on: (l) => {
      job.listeners.add(l);
      return () => void job.listeners.delete(l);
    },
    pause: () => control('pause'),
    resume: () => control('resume'),
    stop: () => {
      if (!job.finished) control('stop');
      return job.result;
    },
    setLr: (lr) => {
      if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr)))
        throw new RangeError(`training job ${job.id}: setLr needs a positive finite learning rate; got ${lr}.`);
      send({ tessera: TAG, type: 'setLr', job: job.id, lr });
    },
    predict: (x) => request<ArrayPayload>((r) => ({ tessera: TAG, type: 'predict', job: job.id, request: r, x })),
    snapshot: (metadata = {}) => request<Uint8Array>((r) => ({ tessera: TAG, type: 'snapshot', job: job.id, request: r, metadata })),
    close: () => {
      if (job.closed) return;
      job.closed = true;
      control('close');
      job.failPending(new Error(`training job ${job.id}: closed before the worker answered.`));
      if (job.finished) router.jobs.delete(job.id);
      else void job.result.catch(() => undefined).finally(() => router.jobs.delete(job.id));
    },
  };
}
