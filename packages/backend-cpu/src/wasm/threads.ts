import { BackendError } from '@tessera/core';
import { driveConv } from './conv-driver.js';
import { driveGemm, type GemmScratch } from './gemm-driver.js';
import type { WasmExports } from './module.js';
import { CALLABLE, GEMM_FIELDS, PART, PART_OFFSETS, partWords, runPart, type PartRunners } from './parts.js';
import type { Spawn, ThreadWorker } from './spawn.js';
import { driveWinograd } from './winograd-driver.js';
import { CTRL, claimParts, type PartDriver } from './worker-loop.js';

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

const { WAKE, NEXT, COMPLETED, ERROR, LIVE, TABLE, ARGS } = CTRL;
/** Most parts one dispatch is split into. */
export const MAX_PARTS = 511;

const runners: PartRunners = { gemm: driveGemm, conv: driveConv, wino: driveWinograd, calls: CALLABLE, at: PART_OFFSETS };

/** The caller's own part runner: the same `runPart` the workers run. */
export const runHere: PartDriver = (f, s, a, o) => runPart(f, s, a, o, runners);

/** A GEMM part's table words: `PART.GEMM`, then `driveGemm`'s arguments (`GEMM_FIELDS`). */
export function gemmPart(x: GemmJob): Int32Array {
  return partWords(PART.GEMM, GEMM_FIELDS, { ...x, accumulate: x.accumulate ? 1 : 0, packed: 0 });
}

/**
 * Worker threads (Node's worker_threads or browser Web Workers, as `spawn` starts them)
 * that run parts (GEMMs, convolutions, calls such as pooling) on a shared WebAssembly memory. The calling thread
 * writes each worker's arguments into a shared control array, wakes it with
 * Atomics.notify, runs its own part, then blocks in Atomics.wait until every worker has
 * finished: kernels stay synchronous. A worker that has not started yet (browsers start
 * them only once the caller returns to its event loop) just claims nothing: the caller
 * runs every part left. Each worker has its own packing scratch.
 */
export class WasmThreads {
  private readonly ctrl: Int32Array;
  private readonly workers: ThreadWorker[] = [];
  private generation = 0;
  /** Parts run by workers so far (the rest ran on the calling thread). */
  private byWorkers = 0;
  private readonly maxWorkers: number;

  constructor(
    private readonly spawn: Spawn,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    maxWorkers: number,
  ) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (TABLE + ARGS * MAX_PARTS)));
    this.maxWorkers = maxWorkers;
  }

  /** Workers wanted (started lazily, at the first kernel call that is split). */
  private target = 0;
  private scratchOf: (i: number) => GemmScratch = () => {
    throw new BackendError('cpu: wasm worker scratch requested before resize()');
  };

  /** Workers these threads run parts on (some may start only at the next split kernel call). */
  get size(): number {
    return this.target;
  }

  /**
   * Sets the number of workers to `n` (at most the control array's capacity); `scratch(i)`
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
      const control = this.ctrl.buffer as SharedArrayBuffer;
      this.workers.push(this.spawn({ module: this.module, memory: this.memory, control, index, scratch: this.scratchOf(index) }));
    }
  }

  /**
   * Runs the parts (table words: a kind, then its arguments; see `runPart`) on this
   * thread (with `own` scratch) and every worker, each thread claiming the next unclaimed
   * part, so a descheduled worker delays nothing: whoever is running takes its share.
   * Returns when all parts are done; throws if one failed (naming `what`; its output is
   * then unspecified).
   */
  run(jobs: readonly ArrayLike<number>[], fns: WasmExports, own: GemmScratch, what: string): void {
    if (jobs.length > MAX_PARTS) throw new BackendError(`cpu: ${jobs.length} parts for ${what}; at most ${MAX_PARTS}`);
    this.start();
    const ctrl = this.ctrl;
    jobs.forEach((x, i) => {
      if (x.length > ARGS) throw new BackendError(`cpu: a part of ${what} has ${x.length} words; at most ${ARGS}`);
      ctrl.set(x as ArrayLike<number>, TABLE + i * ARGS);
    });
    this.generation = (this.generation + 1) & 0x1fff;
    Atomics.store(ctrl, COMPLETED, 0);
    Atomics.store(ctrl, NEXT, (this.generation << 18) | (jobs.length << 9));
    Atomics.add(ctrl, WAKE, 1);
    Atomics.notify(ctrl, WAKE);
    this.byWorkers += jobs.length - claimParts(ctrl, fns, own, runHere);
    for (let done = Atomics.load(ctrl, COMPLETED); done < jobs.length; done = Atomics.load(ctrl, COMPLETED)) {
      Atomics.wait(ctrl, COMPLETED, done);
    }
    if (Atomics.exchange(ctrl, ERROR, 0) !== 0) {
      throw new BackendError(`cpu: a WebAssembly part of ${what} failed on a worker thread; call setThreads(1) to run on one thread.`);
    }
  }

  /** Parts the workers (not the calling thread) have run so far: proof that they take part. */
  get workerParts(): number {
    return this.byWorkers;
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
    for (const w of this.workers.splice(from)) w.terminate();
  }
}
