import { SCRATCH_FLOATS, driveGemm, type GemmScratch } from './gemm-driver.js';
import type { GemmShape } from './gemm-module.js';
import { moduleBytes, type WasmExports } from './module.js';
import { spawner, threadSupport } from './spawn.js';
import { GemmThreads, MAX_PARTS, gemmPart, type GemmJob } from './threads.js';
import { driveConv } from './conv-driver.js';
import { threadsWanted } from './thread-count.js';

/** A strided float32 matrix in wasm memory: element [r, c] at byte `ptr + 4·(r·rs + c·cs)`. */
export interface WasmMatrix {
  readonly ptr: number;
  readonly rs: number;
  readonly cs: number;
}

/**
 * The register tile: 4 rows × 8 columns = 8 f32x4 accumulators (+2 B, 1 A, 1 product).
 * A 6×8 tile (12 accumulators) would fill x64's 16 SIMD registers, but V8 keeps one as
 * scratch and spilled: measured single-threaded on the 2-core AMD EPYC, 4×8 runs a
 * 512² GEMM at 41 GFLOP/s against 21 for 6×8 (5×8: 20, 4×12: 25, 3×16: 25).
 */
const TILE: Omit<GemmShape, 'fma'> = { mr: 4, nr: 8 };
const PAGE = 65536;
const MAX_PAGES = 65536;
/** Below this many flops a GEMM stays on one thread (waking a worker costs tens of µs). */
const PARALLEL_MIN_FLOPS = 4e6;

/** Engine settings (tests use them to force small GEMMs onto threads). */
export interface EngineOptions {
  /** Threads for one GEMM, the caller's included (default: `setThreads`, else the available cores). */
  readonly threads?: number;
  /** Smallest GEMM (2·M·N·K) that is split across threads (default 4e6). */
  readonly parallelMinFlops?: number;
}

/**
 * WebAssembly SIMD float32 kernels over one wasm memory, plus a bump arena in that memory
 * for a kernel's operands. Kernels use it synchronously, so `reset()` at the start of a
 * kernel call frees everything the previous call took. Where shared memory and worker
 * threads exist the memory is shared and large GEMMs are split across a worker pool.
 */
export class WasmGemm {
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add. */
  readonly fma: boolean;
  /** The module's exported functions (byte addresses into this engine's memory). */
  readonly fns: WasmExports;
  private readonly memory: WebAssembly.Memory;
  private readonly own: GemmScratch;
  /** Packing scratch of worker i (kept when the pool shrinks, reused when it grows). */
  private readonly workerScratch: GemmScratch[] = [];
  private readonly pool: GemmThreads | null;
  private readonly options: EngineOptions;
  /** Set by the first GEMM that would be split; the next reset() then gives workers their scratch. */
  private splitSeen = false;
  private heapStart: number;
  private top: number;
  private view: Float32Array;

  constructor(module: WebAssembly.Module, fma: boolean, memory: WebAssembly.Memory, pool: GemmThreads | null, options: EngineOptions = {}) {
    this.fma = fma;
    this.memory = memory;
    this.pool = pool;
    this.options = options;
    this.fns = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports;
    this.view = new Float32Array(memory.buffer);
    this.top = 0;
    this.own = this.scratch();
    this.heapStart = this.top;
  }

  /** Threads large GEMMs use (the caller's included; 1 without a pool): `setThreads`'s or the `threads` option's value. */
  get threads(): number {
    return this.pool ? this.wanted() : 1;
  }

  /** Threads wanted now, capped by the pool's capacity. */
  private wanted(): number {
    return Math.min(Math.max(1, this.options.threads ?? threadsWanted()), MAX_WORKERS + 1);
  }

  /**
   * Frees every arena allocation (scratch panels stay). Also the one safe point to size
   * the worker pool (nothing in the arena is live here): workers get their packing
   * scratch, 2 MiB each, only once a GEMM large enough to split has been seen, so
   * backends that never multiply large matrices hold no worker memory or threads.
   */
  reset(): void {
    if (this.pool) {
      const want = this.wanted() - 1;
      if (this.splitSeen) {
        this.top = this.heapStart;
        while (this.workerScratch.length < want) this.workerScratch.push(this.scratch());
        this.heapStart = this.top;
      }
      const n = Math.min(want, this.workerScratch.length);
      if (n !== this.pool.size) this.pool.resize(n, (i) => this.workerScratch[i]);
    }
    this.top = this.heapStart;
  }

  /** One thread's packing buffers, from the arena. */
  private scratch(): GemmScratch {
    return { tmp: this.alloc(SCRATCH_FLOATS.tmp), ap: this.alloc(SCRATCH_FLOATS.ap), bp: this.alloc(SCRATCH_FLOATS.bp) };
  }

  /** Reserves `floats` float32 slots (16-byte aligned, contents unspecified); returns the byte address. */
  alloc(floats: number): number {
    const ptr = this.top;
    this.top += (floats * 4 + 15) & ~15;
    const need = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return ptr;
  }

  /** A Float32Array over the whole memory (re-created after growth). */
  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** An Int32Array over the whole memory (made on demand: only pooling's small window tables use it). */
  get i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Copies `values` into a fresh arena block; returns its byte address. */
  copyIn(values: Float32Array): number {
    const ptr = this.alloc(values.length);
    this.f32.set(values, ptr >> 2);
    return ptr;
  }

  /** Bytes of wasm memory held. */
  bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** GEMM parts run on worker threads so far (0 without a pool, or before workers started). */
  get workerParts(): number {
    return this.pool?.workerParts ?? 0;
  }

  /** Stops the worker threads. */
  dispose(): void {
    this.pool?.dispose();
  }

  /**
   * Runs conv parts (each an Int32Array of table words: a `PART` conv kind, then
   * `CONV_ARGS`): across the worker pool when there is one and the work (`flops`) is worth
   * waking it, else one after another on this thread. Parts own disjoint outputs, so the
   * result does not depend on the thread count.
   */
  runParts(parts: readonly Int32Array[], flops: number, what: string): void {
    if (this.pool && flops >= (this.options.parallelMinFlops ?? PARALLEL_MIN_FLOPS) && this.threads > 1 && parts.length > 1) {
      this.splitSeen = true;
      if (this.pool.size > 0) {
        this.pool.run(parts, this.fns, this.own, what);
        return;
      }
    }
    for (const p of parts) driveConv(this.fns, this.own, p, 0, driveGemm);
  }

  /**
   * C (+)= A·B for A M×K and B K×N (any strides: transposes cost nothing extra), C
   * row-major with row stride `ldc` elements at byte address `c` (see `driveGemm`).
   * With worker threads, a large GEMM is split into column blocks of C (row blocks when
   * C is taller than wide), three per thread, claimed by whichever thread is free; each
   * element is still computed by one thread in the same order, so results do not depend
   * on the thread count.
   */
  gemm(M: number, N: number, K: number, a: WasmMatrix, b: WasmMatrix, c: number, ldc: number, accumulate: boolean): void {
    if (M === 0 || N === 0) return;
    if (K === 0) {
      if (!accumulate) for (let i = 0; i < M; i++) this.f32.fill(0, (c >> 2) + i * ldc, (c >> 2) + i * ldc + N);
      return;
    }
    const whole: GemmJob = { M, N, K, a: a.ptr, ars: a.rs, acs: a.cs, b: b.ptr, brs: b.rs, bcs: b.cs, c, ldc, accumulate };
    const big = 2 * M * N * K >= (this.options.parallelMinFlops ?? PARALLEL_MIN_FLOPS);
    if (this.pool && big && this.threads > 1) {
      // The first such GEMM runs here alone; from the next kernel call on, the pool has workers.
      this.splitSeen = true;
      if (this.pool.size > 0) {
        // Three parts per thread: threads claim parts as they go, so one that the OS
        // deschedules (2 busy cores) holds up a third of its share, not all of it.
        const parts = splitJob(whole, Math.min(MAX_PARTS, 3 * (this.pool.size + 1))).map(gemmPart);
        this.pool.run(parts, this.fns, this.own, `a ${M}×${N}×${K} GEMM`);
        return;
      }
    }
    driveGemm(this.fns, this.own, M, N, K, a.ptr, a.rs, a.cs, b.ptr, b.rs, b.cs, c, ldc, accumulate);
  }
}

/** Splits a GEMM into at most `T` parts along its longer side of C, in whole register tiles. */
export function splitJob(x: GemmJob, T: number): GemmJob[] {
  const byN = x.N >= x.M;
  const len = byN ? x.N : x.M;
  const unit = byN ? TILE.nr : TILE.mr;
  const step = Math.ceil(len / T / unit) * unit;
  const jobs: GemmJob[] = [];
  for (let p0 = 0; p0 < len; p0 += step) {
    const n = Math.min(step, len - p0);
    jobs.push(
      byN
        ? { ...x, N: n, b: x.b + 4 * p0 * x.bcs, c: x.c + 4 * p0 }
        : { ...x, M: n, a: x.a + 4 * p0 * x.ars, c: x.c + 4 * p0 * x.ldc },
    );
  }
  return jobs;
}

/** The environment switch: `TESSERA_WASM=0` turns the WebAssembly kernels off. */
export function wasmDisabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.TESSERA_WASM;
  return v === '0' || v === 'false' || v === 'off';
}

type Compiled = { module: WebAssembly.Module; fma: boolean } | null;
const compiled = new Map<boolean, Compiled>();

/**
 * Compiles the module once per memory kind (shared for threads, or not), with FMA where
 * the engine validates relaxed SIMD; null without SIMD.
 */
function compile(shared: boolean): Compiled {
  const known = compiled.get(shared);
  if (known !== undefined) return known;
  let result: Compiled = null;
  if (typeof WebAssembly === 'object') {
    const memory = { initial: 1, maximum: MAX_PAGES, shared };
    for (const fma of [true, false]) {
      const bytes = moduleBytes({ ...TILE, fma }, memory);
      if (!WebAssembly.validate(bytes)) continue;
      try {
        result = { module: new WebAssembly.Module(bytes), fma };
        break;
      } catch {
        // e.g. a browser main thread refusing synchronous compilation: fall back to TypeScript.
      }
    }
  }
  compiled.set(shared, result);
  return result;
}

let noticed = false;

/** Says once why kernels run on one thread (no shared memory, no workers, or a thread that may not block). */
function singleThreadNotice(reason: string): void {
  if (noticed) return;
  noticed = true;
  console.warn(`@tessera/backend-cpu: ${reason}; WebAssembly kernels run on one thread.`);
}

/** Most worker threads one engine may start (its control array is sized for them). */
const MAX_WORKERS = 63;

/**
 * A new engine with its own memory, or null where WebAssembly SIMD is missing. The
 * module is compiled once per process. With worker threads available (`threadSupport`:
 * Node, or a cross-origin isolated browser worker) the memory is shared and the engine
 * gets a (lazily started) worker pool; without them it runs on one thread, with a
 * single notice naming the reason when more threads were asked for.
 */
export function createWasmGemm(options: EngineOptions = {}): WasmGemm | null {
  const support = threadSupport();
  const spawn = spawner(support);
  const shared = spawn ? compile(true) : null;
  if (spawn && shared) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const pool = new GemmThreads(spawn, shared.module, memory, MAX_WORKERS);
    return new WasmGemm(shared.module, shared.fma, memory, pool, options);
  }
  const c = compile(false);
  if (!c) return null;
  if ((options.threads ?? threadsWanted()) > 1) singleThreadNotice(support.kind === 'none' ? support.reason : 'shared WebAssembly memory is unavailable');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  return new WasmGemm(c.module, c.fma, memory, null, options);
}
