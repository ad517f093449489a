import { BackendError } from '@tessera/core';
import { SCRATCH_FLOATS, driveGemm, packWhole, type GemmScratch } from './gemm-driver.js';
import type { GemmShape } from './gemm-module.js';
import { moduleBytes, type WasmExports } from './module.js';
import { spawner, threadSupport } from './spawn.js';
import { WasmThreads, MAX_PARTS, gemmPart, runHere, type GemmJob } from './threads.js';
import { CALLABLE, PART, type CallableName, type PartArgs } from './parts.js';
import { BlockHeap } from './heap.js';
import { assemble, type FnBuilder } from './encode.js';
import { markResident, residentOf } from './resident.js';
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
 * scratch, so it spills and runs at about half the speed of 4×8 (bench/RESULTS.md has the
 * measurements of the tiles tried).
 */
const TILE: Omit<GemmShape, 'fma'> = { mr: 4, nr: 8 };
const PAGE = 65536;
const MAX_PAGES = 65536;
/** Default of the most bytes tensors may occupy in the memory (`EngineOptions.residentLimitBytes`). */
const RESIDENT_LIMIT_BYTES = 2 ** 31;
/** Floats of slack after every heap block (see `copyIn`). */
const SLACK_FLOATS = 4;
/** Bytes a heap block of `bytes` takes: rounded up to 16, plus the slack. */
const blockSize = (bytes: number) => ((bytes + 15) & ~15) + 4 * SLACK_FLOATS;

/** Below this many flops a kernel call stays on one thread (waking a worker costs more than it saves). */
const PARALLEL_MIN_FLOPS = 4e6;

/** Engine settings (tests use them to force small kernels onto threads). */
export interface EngineOptions {
  /** Threads for one kernel call, the caller's included (default: `setThreads`, else the available cores). */
  readonly threads?: number;
  /** Smallest work (flops; 2·M·N·K for a GEMM) that is split across threads (default 4e6). */
  readonly parallelMinFlops?: number;
  /**
   * Most bytes of the memory tensors may occupy (default 2 GiB, half of wasm32's 4 GiB, the
   * rest left for kernel scratch): past it, outputs and uploads go to JavaScript arrays.
   */
  readonly residentLimitBytes?: number;
}

/**
 * WebAssembly SIMD float32 kernels over one wasm memory, with a heap in that memory
 * (`BlockHeap`: coalescing free blocks over a bump pointer) for a kernel's operands and outputs.
 * Kernels use it synchronously: `reset()` at the start of a kernel call frees the
 * previous call's scratch (`alloc`). Where shared memory and worker threads exist the
 * memory is shared, large GEMMs, convolutions and pooling are split across worker threads, and kernel outputs
 * (`allocOut` + `takeOut`) stay in the memory as the tensors' storage, so the next kernel
 * reads them without a copy.
 */
export class WasmEngine {
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add. */
  readonly fma: boolean;
  /** The module's exported functions (byte addresses into this engine's memory). */
  readonly fns: WasmExports;
  private readonly memory: WebAssembly.Memory;
  private readonly own: GemmScratch;
  /** Packing scratch of worker i (kept when the workers shrink in number, reused when it grows). */
  private readonly workerScratch: GemmScratch[] = [];
  private readonly workers: WasmThreads | null;
  private readonly options: EngineOptions;
  /** Set by the first kernel call that would be split; the next reset() then gives workers their scratch. */
  private splitSeen = false;
  /** The blocks of the memory (coalescing free lists over a bump pointer). */
  private readonly heap: BlockHeap;
  /** This kernel call's scratch blocks [ptr, bytes], freed by the next reset(). */
  private readonly scratchBlocks: number[] = [];
  /** Output blocks handed out by allocOut and not yet taken (freed by the next reset()). */
  private readonly pending = new Map<number, number>();
  /** Output views may live in the memory only where it is shared (growing it never detaches them). */
  private readonly resident: boolean;
  private view: Float32Array;
  /** The heap as a block owner (what a resident view's release calls). */
  private readonly owner = { give: (ptr: number, bytes: number) => this.give(ptr, bytes) };

  constructor(
    module: WebAssembly.Module,
    fma: boolean,
    memory: WebAssembly.Memory,
    workers: WasmThreads | null,
    options: EngineOptions = {},
  ) {
    this.fma = fma;
    this.memory = memory;
    this.workers = workers;
    this.options = options;
    this.fns = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports;
    this.view = new Float32Array(memory.buffer);
    this.heap = new BlockHeap(0, (end) => {
      const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
      if (need > 0) this.memory.grow(need);
    });
    this.resident = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.own = this.scratch();
  }

  /** Threads large kernel calls use (the caller's included; 1 without workers): `setThreads`'s or the `threads` option's value. */
  get threads(): number {
    return this.workers ? this.wanted() : 1;
  }

  /** Threads wanted now, capped by the thread table's capacity. */
  private wanted(): number {
    return Math.min(Math.max(1, this.options.threads ?? threadsWanted()), MAX_WORKERS + 1);
  }

  /**
   * Frees the previous kernel call's scratch and untaken outputs. Also the one safe point
   * to size the worker threads: workers get their packing scratch, 2 MiB each, only once a
   * GEMM large enough to split has been seen, so backends that never multiply large
   * matrices hold no worker memory or threads.
   */
  reset(): void {
    const blocks = this.scratchBlocks;
    for (let i = 0; i < blocks.length; i += 2) this.give(blocks[i], blocks[i + 1]);
    blocks.length = 0;
    for (const [ptr, bytes] of this.pending) this.give(ptr, bytes);
    this.pending.clear();
    if (this.workers) {
      const want = this.wanted() - 1;
      if (this.splitSeen) while (this.workerScratch.length < want) this.workerScratch.push(this.scratch());
      const n = Math.min(want, this.workerScratch.length);
      if (n !== this.workers.size) this.workers.resize(n, (i) => this.workerScratch[i]);
    }
  }

  /** One thread's packing buffers (kept for the engine's life). */
  private scratch(): GemmScratch {
    const block = (floats: number) => this.take(floats * 4);
    return { tmp: block(SCRATCH_FLOATS.tmp), ap: block(SCRATCH_FLOATS.ap), bp: block(SCRATCH_FLOATS.bp) };
  }

  /**
   * A block of `bytes` from the free lists or the bump pointer; returns its byte address.
   * Every block is rounded up to 16 bytes and has 16 more of slack after it, which only its
   * owner touches (kernels that read a few floats past their input zero it: `copyIn`).
   */
  private take(bytes: number): number {
    return this.heap.take(blockSize(bytes));
  }

  /** A block for tensor storage, or −1 past the resident limit (the caller falls back to JavaScript memory). */
  private takeResident(bytes: number): number {
    try {
      return this.heap.take(blockSize(bytes), this.options.residentLimitBytes ?? RESIDENT_LIMIT_BYTES);
    } catch {
      return -1; // the memory could not grow (wasm32's 4 GiB, or the host refused)
    }
  }

  /**
   * A block of `floats` floats that outlives kernel calls (weights packed ahead, see
   * kernels/prepared.ts) until `unkeep`; −1 past the resident limit or where memory cannot grow.
   */
  keep(floats: number): number {
    return this.takeResident(floats * 4);
  }

  /** Gives back a block from `keep`. */
  unkeep(ptr: number, floats: number): void {
    this.give(ptr, floats * 4);
  }

  /** Floats `packInto` writes for an M×K matrix. */
  packedFloats(M: number, K: number): number {
    return Math.ceil(M / TILE.mr) * TILE.mr * K;
  }

  /** Rows of an M-row matrix packed by `packInto` (M padded to the register tile). */
  packedRows(M: number): number {
    return Math.ceil(M / TILE.mr) * TILE.mr;
  }

  /** Packs the M×K matrix `a` whole into `dst` for GEMMs in `driveGemm`'s `packedA` mode. */
  packInto(M: number, K: number, a: WasmMatrix, dst: number): void {
    packWhole(this.fns, M, K, a.ptr, a.rs, a.cs, dst, TILE.mr);
  }

  /** Returns a block to the heap. */
  private give(ptr: number, bytes: number): void {
    this.heap.give(ptr, blockSize(bytes));
  }

  /**
   * Scratch for this kernel call: `floats` float32 slots (16-byte aligned, contents
   * unspecified), freed by the next reset(); returns the byte address.
   */
  alloc(floats: number): number {
    const bytes = floats * 4;
    const ptr = this.take(bytes);
    this.scratchBlocks.push(ptr, bytes);
    return ptr;
  }

  /**
   * A block for a kernel's output of `floats` floats (contents unspecified). Give it to
   * `takeOut` when the kernel is done; if the kernel does not, the next reset() frees it.
   */
  allocOut(floats: number): number {
    const ptr = this.resident ? this.takeResident(floats * 4) : -1;
    if (ptr < 0) return this.alloc(floats);
    this.pending.set(ptr, floats * 4);
    return ptr;
  }

  /**
   * A Float32Array of `floats` (contents unspecified) that lives in this engine's memory as tensor
   * storage (freeing the storage gives the block back), for the TypeScript kernels'
   * outputs; null where the memory is not shared or tensors would pass the resident limit.
   */
  allocResident(floats: number): Float32Array | null {
    const ptr = this.resident ? this.takeResident(floats * 4) : -1;
    return ptr < 0 ? null : this.residentView(ptr, floats, floats * 4);
  }

  /** The block at `ptr` as tensor storage: a view recorded as resident, whose free gives the block back. */
  private residentView(ptr: number, floats: number, bytes: number): Float32Array {
    const view = new Float32Array(this.memory.buffer, ptr, floats);
    markResident(view, { owner: this.owner, ptr, bytes });
    return view;
  }

  /**
   * The output at `ptr` (from `allocOut`) as tensor storage: a view that stays in the wasm
   * memory (freeing the storage gives the block back) where the memory is shared, else a
   * copy out into a JavaScript array (`copy`).
   */
  takeOut(ptr: number, floats: number, copy: (ptr: number, n: number) => Float32Array): Float32Array {
    const bytes = this.pending.get(ptr);
    if (bytes === undefined) return copy(ptr, floats);
    this.pending.delete(ptr);
    return this.residentView(ptr, floats, bytes);
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

  /**
   * The byte address of `values` in this engine's memory: where they already live there
   * (an output of an earlier kernel) no copy is made, else they are copied into a scratch
   * block. Kernels only read it, except for `zeroSlack` floats after its end (at most 4),
   * which are zeroed for kernels that read a little past their input.
   */
  copyIn(values: Float32Array, zeroSlack = 0): number {
    if (zeroSlack > SLACK_FLOATS) throw new BackendError(`cpu: copyIn slack of ${zeroSlack} floats; blocks have ${SLACK_FLOATS}`);
    const r = residentOf(values);
    let ptr: number;
    if (r && r.owner === this.owner) ptr = r.ptr;
    else {
      ptr = this.alloc(values.length);
      this.f32.set(values, ptr >>> 2);
    }
    if (zeroSlack > 0) this.f32.fill(0, (ptr >>> 2) + values.length, (ptr >>> 2) + values.length + zeroSlack);
    return ptr;
  }

  /** Copies bytes (bool values) into a scratch block (16 bytes of slack after them); returns its byte address. */
  copyBytesIn(values: Uint8Array): number {
    const ptr = this.alloc(Math.ceil(values.length / 4));
    new Uint8Array(this.memory.buffer).set(values, ptr);
    return ptr;
  }

  /** `n` bytes at byte address `ptr`, viewed (valid until the memory grows). */
  bytesAt(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /**
   * Assembles and instantiates a module of extra functions over this engine's memory
   * (the expression kernel's generated rows); returns its exports by name. Compiled
   * synchronously: these modules are a few hundred bytes.
   */
  instantiate(fns: readonly { name: string; fn: FnBuilder }[]): Readonly<Record<string, (...args: number[]) => void>> {
    const shared = typeof SharedArrayBuffer === 'function' && this.memory.buffer instanceof SharedArrayBuffer;
    const bytes = assemble({ initial: 1, maximum: MAX_PAGES, shared }, fns);
    const module = new WebAssembly.Module(bytes);
    return new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Record<
      string,
      (...args: number[]) => void
    >;
  }

  /** Bytes of wasm memory held (in use, in the free lists, and never yet used). */
  bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Parts run on worker threads so far (0 without workers, or before they started). */
  get workerParts(): number {
    return this.workers?.workerParts ?? 0;
  }

  /** Stops the worker threads. */
  dispose(): void {
    this.workers?.dispose();
  }

  /**
   * The worker threads, when there are any and work of `flops` is worth waking it; null to run
   * here. Seeing such work is what gives workers their scratch at the next reset(), so the
   * first one runs here alone.
   */
  private workersFor(flops: number): WasmThreads | null {
    if (!this.workers || flops < (this.options.parallelMinFlops ?? PARALLEL_MIN_FLOPS) || this.threads <= 1) return null;
    this.splitSeen = true;
    return this.workers.size > 0 ? this.workers : null;
  }

  /**
   * Runs parts (table words: a `PART` kind, then its arguments; see `runPart`) across the
   * worker threads when there are any and the work (`flops`) is worth waking it, else one
   * after another on this thread. Parts own disjoint outputs, so the result does not
   * depend on the thread count.
   */
  runParts(parts: readonly ArrayLike<number>[], flops: number, what: string): void {
    const workers = parts.length > 1 ? this.workersFor(flops) : null;
    if (workers) {
      workers.run(parts, this.fns, this.own, what);
      return;
    }
    for (const p of parts) runHere(this.fns, this.own, p instanceof Int32Array ? p : Int32Array.from(p), 0);
  }

  /**
   * Calls the export `name` once per argument record, as CALL parts (`runParts`); `params`
   * is the export's parameter list, which orders each record's values. The calls must
   * write disjoint memory (e.g. max pooling over disjoint ranges of planes).
   */
  runCalls<F extends readonly string[]>(name: CallableName, params: F, argsList: readonly PartArgs<F>[], work: number, what: string): void {
    const id = CALLABLE.indexOf(name);
    this.runParts(
      argsList.map((args) => [PART.CALL, id, params.length, ...params.map((f: F[number]) => args[f])]),
      work,
      what,
    );
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
      if (!accumulate) for (let i = 0; i < M; i++) this.f32.fill(0, (c >>> 2) + i * ldc, (c >>> 2) + i * ldc + N);
      return;
    }
    const whole: GemmJob = { M, N, K, a: a.ptr, ars: a.rs, acs: a.cs, b: b.ptr, brs: b.rs, bcs: b.cs, c, ldc, accumulate };
    const workers = this.workersFor(2 * M * N * K);
    if (workers) {
      // Three parts per thread: threads claim parts as they go, so one that the OS
      // deschedules (2 busy cores) holds up a third of its share, not all of it.
      const parts = splitJob(whole, Math.min(MAX_PARTS, 3 * (workers.size + 1))).map(gemmPart);
      workers.run(parts, this.fns, this.own, `a ${M}×${N}×${K} GEMM`);
      return;
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
 * gets (lazily started) worker threads; without them it runs on one thread, with a
 * single notice naming the reason when more threads were asked for.
 */
export function createWasmEngine(options: EngineOptions = {}): WasmEngine | null {
  const support = threadSupport();
  const spawn = spawner(support);
  const shared = spawn ? compile(true) : null;
  if (spawn && shared) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const workers = new WasmThreads(spawn, shared.module, memory, MAX_WORKERS);
    return new WasmEngine(shared.module, shared.fma, memory, workers, options);
  }
  const c = compile(false);
  if (!c) return null;
  if ((options.threads ?? threadsWanted()) > 1)
    singleThreadNotice(support.kind === 'none' ? support.reason : 'shared WebAssembly memory is unavailable');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  return new WasmEngine(c.module, c.fma, memory, null, options);
}
