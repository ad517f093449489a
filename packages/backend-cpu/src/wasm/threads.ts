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

/**
 * The shared control array. NEXT packs the current dispatch as gen (13 bits) | parts (9
 * bits) | next unclaimed part (9 bits): a thread claims a part with one compare-exchange,
 * so a claim can only ever succeed for the dispatch whose table is in place, even for a
 * worker that wakes late. Parts are read from TABLE (12 ints each).
 */
const WAKE = 0;
const NEXT = 1;
const COMPLETED = 2;
const ERROR = 3;
const LIVE = 4;
const TABLE = 8;
const ARGS = 12;
/** Most parts one GEMM is split into. */
export const MAX_PARTS = 511;

/**
 * Claims and runs parts of the current dispatch until none is left: the loop every
 * thread runs, the caller's included. Self-contained: workers get it as source text (so
 * the control array's indices are written out: NEXT 1, COMPLETED 2, ERROR 3, TABLE 8,
 * ARGS 12).
 */
function claimParts(ctrl: Int32Array, fns: GemmExports, scratch: GemmScratch, drive: typeof driveGemm): void {
  for (;;) {
    const cur = Atomics.load(ctrl, 1);
    const parts = (cur >>> 9) & 511;
    const idx = cur & 511;
    if (idx >= parts) return;
    if (Atomics.compareExchange(ctrl, 1, cur, cur + 1) !== cur) continue;
    const o = 8 + idx * 12;
    try {
      drive(fns, scratch, ctrl[o], ctrl[o + 1], ctrl[o + 2], ctrl[o + 3], ctrl[o + 4], ctrl[o + 5], ctrl[o + 6], ctrl[o + 7], ctrl[o + 8], ctrl[o + 9], ctrl[o + 10], ctrl[o + 11] !== 0);
    } catch {
      Atomics.store(ctrl, 3, 1);
    }
    Atomics.add(ctrl, 2, 1);
    Atomics.notify(ctrl, 2);
  }
}

/** The worker's whole program: sleep on WAKE, claim parts, repeat; exit when its index is past LIVE. */
function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const driveGemm = ${driveGemm.toString()};
const claimParts = ${claimParts.toString()};
const { module, memory, control, index, scratch } = workerData;
const fns = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
for (;;) {
  const seen = Atomics.load(ctrl, ${WAKE});
  if (index >= Atomics.load(ctrl, ${LIVE})) break;
  claimParts(ctrl, fns, scratch, driveGemm);
  Atomics.wait(ctrl, ${WAKE}, seen);
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
  private readonly maxWorkers: number;

  constructor(
    private readonly Worker: WorkerCtor,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    maxWorkers: number,
  ) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (TABLE + ARGS * MAX_PARTS)));
    this.maxWorkers = maxWorkers;
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
    this.target = Math.min(n, this.maxWorkers);
    this.scratchOf = scratch;
    if (this.workers.length > this.target) this.stop(this.target);
  }

  /** Starts workers up to the target count. */
  private start(): void {
    while (this.workers.length < this.target) {
      const index = this.workers.length;
      Atomics.store(this.ctrl, LIVE, index + 1);
      const w = new this.Worker(workerSource(), {
        eval: true,
        workerData: { module: this.module, memory: this.memory, control: this.ctrl.buffer, index, scratch: this.scratchOf(index) },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs the parts on this thread (with `own` scratch) and every worker, each thread
   * claiming the next unclaimed part, so a descheduled worker delays nothing: whoever is
   * running takes its share. Returns when all parts are done; throws if one failed (its
   * block of C is then unspecified).
   */
  run(jobs: readonly GemmJob[], fns: GemmExports, own: GemmScratch): void {
    if (jobs.length > MAX_PARTS) throw new BackendError(`cpu: ${jobs.length} GEMM parts; at most ${MAX_PARTS}`);
    this.start();
    const ctrl = this.ctrl;
    jobs.forEach((x, i) => {
      const args = [x.M, x.N, x.K, x.a, x.ars, x.acs, x.b, x.brs, x.bcs, x.c, x.ldc, x.accumulate ? 1 : 0];
      ctrl.set(args, TABLE + i * ARGS);
    });
    this.generation = (this.generation + 1) & 0x1fff;
    Atomics.store(ctrl, COMPLETED, 0);
    Atomics.store(ctrl, NEXT, (this.generation << 18) | (jobs.length << 9));
    Atomics.add(ctrl, WAKE, 1);
    Atomics.notify(ctrl, WAKE);
    claimParts(ctrl, fns, own, driveGemm);
    for (let done = Atomics.load(ctrl, COMPLETED); done < jobs.length; done = Atomics.load(ctrl, COMPLETED)) {
      Atomics.wait(ctrl, COMPLETED, done);
    }
    if (Atomics.exchange(ctrl, ERROR, 0) !== 0) {
      throw new BackendError(`cpu: a WebAssembly GEMM part failed on a worker thread (matmul/conv of ${jobs.map((j) => `${j.M}×${j.N}×${j.K}`).join(', ')}); call setThreads(1) to run on one thread.`);
    }
  }

  /** Stops every worker. */
  dispose(): void {
    this.target = 0;
    this.stop(0);
  }

  /** Stops workers `from`… (they exit at their next wake-up; terminate() makes sure). */
  private stop(from: number): void {
    if (from >= this.workers.length) return;
    Atomics.store(this.ctrl, LIVE, from);
    Atomics.add(this.ctrl, WAKE, 1);
    Atomics.notify(this.ctrl, WAKE);
    for (const w of this.workers.splice(from)) void w.terminate();
  }
}
