import { BackendError } from '@tessera/core';
import { driveGemm, type GemmScratch } from './gemm-driver.js';
import type { GemmExports } from './gemm-module.js';

/** One GEMM of the driver's signature (see `driveGemm`), for one thread. */
export interface GemmJob {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly a: number;
  readonly ars: number;
  readonly acs: number;
  readonly b: number;
  readonly brs: number;
  readonly bcs: number;
  readonly c: number;
  readonly ldc: number;
  readonly accumulate: boolean;
}

/** Int32 slots per worker in the control array: job generation, done generation, error flag, 12 arguments. */
const SLOT = 16;
const JOB = 0;
const DONE = 1;
const ERROR = 2;
const ARGS = 3;

/** The worker's whole program: wait for a job generation, run the GEMM driver on its arguments, report done. */
function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const driveGemm = ${driveGemm.toString()};
const { module, memory, control, index, scratch } = workerData;
const fns = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
const base = index * ${SLOT};
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, base + ${JOB}, seen);
  seen = Atomics.load(ctrl, base + ${JOB});
  if (seen < 0) break;
  const g = (i) => ctrl[base + ${ARGS} + i];
  try {
    driveGemm(fns, scratch, g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9), g(10), g(11) !== 0);
  } catch (e) {
    Atomics.store(ctrl, base + ${ERROR}, 1);
  }
  Atomics.store(ctrl, base + ${DONE}, seen);
  Atomics.notify(ctrl, base + ${DONE});
}`;
}

/** The parts of `node:worker_threads` the pool uses. */
interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

/** Node's Worker class where worker threads and shared memory exist (null in browsers and old engines). */
export function workerCtor(): WorkerCtor | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: WorkerCtor; isMainThread?: boolean } | undefined;
  return mod?.Worker ?? null;
}

/**
 * Worker threads that run GEMM parts on a shared WebAssembly memory. The calling thread
 * writes each worker's arguments into a shared control array, wakes it with
 * Atomics.notify, runs its own part, then blocks in Atomics.wait until every worker has
 * finished: kernels stay synchronous. Workers are unref'd, so they never keep a process
 * alive, and each has its own packing scratch.
 */
export class GemmThreads {
  private readonly ctrl: Int32Array;
  private readonly workers: NodeWorker[] = [];
  private generation = 0;

  constructor(
    private readonly Worker: WorkerCtor,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    maxWorkers: number,
  ) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * Math.max(1, maxWorkers)));
  }

  /** Workers wanted (started lazily, at the first GEMM that is split). */
  private target = 0;
  private scratchOf: (i: number) => GemmScratch = () => {
    throw new BackendError('cpu: GEMM worker scratch requested before resize()');
  };

  /** Workers this pool runs GEMM parts on (some may start only at the next split GEMM). */
  get size(): number {
    return this.target;
  }

  /**
   * Sets the pool to `n` workers (at most the control array's capacity); `scratch(i)`
   * gives worker i's packing buffers. Extra workers stop now; missing ones start at the
   * first GEMM that needs them, so backends that never multiply large matrices never
   * start a thread.
   */
  resize(n: number, scratch: (i: number) => GemmScratch): void {
    this.target = Math.min(n, this.ctrl.length / SLOT);
    this.scratchOf = scratch;
    while (this.workers.length > this.target) this.stop(this.workers.length - 1);
  }

  /** Starts workers up to the target count. */
  private start(): void {
    while (this.workers.length < this.target) {
      const index = this.workers.length;
      this.ctrl.fill(0, index * SLOT, (index + 1) * SLOT);
      const w = new this.Worker(workerSource(), {
        eval: true,
        workerData: { module: this.module, memory: this.memory, control: this.ctrl.buffer, index, scratch: this.scratchOf(index) },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs jobs[0] here with `own` and jobs[1…] on workers 0…; returns when all are done.
   * Throws if a worker failed (its part of C is then unspecified).
   */
  run(jobs: readonly GemmJob[], fns: GemmExports, own: GemmScratch): void {
    this.start();
    if (jobs.length - 1 > this.workers.length) throw new BackendError(`cpu: ${jobs.length} GEMM parts for ${this.workers.length} worker threads`);
    const gen = ++this.generation;
    for (let j = 1; j < jobs.length; j++) {
      const base = (j - 1) * SLOT;
      const x = jobs[j];
      const args = [x.M, x.N, x.K, x.a, x.ars, x.acs, x.b, x.brs, x.bcs, x.c, x.ldc, x.accumulate ? 1 : 0];
      for (let i = 0; i < args.length; i++) this.ctrl[base + ARGS + i] = args[i];
      Atomics.store(this.ctrl, base + JOB, gen);
      Atomics.notify(this.ctrl, base + JOB);
    }
    const x = jobs[0];
    driveGemm(fns, own, x.M, x.N, x.K, x.a, x.ars, x.acs, x.b, x.brs, x.bcs, x.c, x.ldc, x.accumulate);
    let failed = false;
    for (let j = 1; j < jobs.length; j++) {
      const base = (j - 1) * SLOT;
      for (let done = Atomics.load(this.ctrl, base + DONE); done !== gen; done = Atomics.load(this.ctrl, base + DONE)) {
        Atomics.wait(this.ctrl, base + DONE, done);
      }
      if (Atomics.exchange(this.ctrl, base + ERROR, 0) !== 0) failed = true;
    }
    if (failed) throw new BackendError(`cpu: a WebAssembly GEMM worker thread failed (matmul/conv of ${jobs.map((j) => `${j.M}×${j.N}×${j.K}`).join(', ')}); call setThreads(1) to run on one thread.`);
  }

  /** Stops every worker. */
  dispose(): void {
    this.target = 0;
    while (this.workers.length > 0) this.stop(this.workers.length - 1);
  }

  private stop(i: number): void {
    Atomics.store(this.ctrl, i * SLOT + JOB, -1);
    Atomics.notify(this.ctrl, i * SLOT + JOB);
    void this.workers[i].terminate();
    this.workers.pop();
  }
}
