import { releaseResident } from '../wasm/resident.js';
import { dropPrepared } from './prepared.js';
import { BackendError, allocArray, type DType, type DataId, type TensorData, type TypedArray } from '@tessera/core';

/**
 * The CPU backend's storage for one buffer: a typed array, in the JS heap or (large
 * float32 ones, where the wasm memory is shared) a view into the wasm engine's memory.
 * Every `DataId` the CPU backend hands out is a `CpuStorage`.
 */
export class CpuStorage {
  /** The values, in the typed array of the buffer's dtype (bool as 0/1 bytes). */
  values: TypedArray;
  /** True once `free` was called; the values are then dropped. */
  freed = false;
  /** The memory (of one backend instance) whose pool its buffer goes back to. */
  readonly memory: CpuMemory;

  constructor(values: TypedArray, memory: CpuMemory = current) {
    this.values = values;
    this.memory = memory;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Drops the values of a storage (the backend's `free`): a block of wasm memory goes back
 * to its engine, a buffer the backend allocated goes back to the pool, and weights prepared
 * from the values (kernels/prepared.ts) are given back.
 */
export function freeStorage(storage: CpuStorage): void {
  dropPrepared(storage.values);
  if (!releaseResident(storage.values)) storage.memory.recycle(storage.values);
  storage.values = EMPTY;
  storage.freed = true;
}

/** Checks a DataId is live CPU storage and returns it. */
export function asStorage(dataId: DataId, where: string): CpuStorage {
  if (!(dataId instanceof CpuStorage)) {
    throw new BackendError(
      `cpu: ${where} got a buffer that is not CPU storage; move the tensor to the cpu backend first.`,
    );
  }
  if (dataId.freed) {
    throw new BackendError(`cpu: ${where} got a buffer that was already freed.`);
  }
  return dataId;
}

/** The values of a kernel input (contiguous, row-major). */
export function valuesOf(t: TensorData): TypedArray {
  return asStorage(t.dataId, 'kernel input').values;
}

/**
 * Buffers of at least this many bytes are pooled: a freshly allocated large typed array
 * costs its page faults on first touch (many times the cost of overwriting a reused one;
 * bench/RESULTS.md), and a training step frees and allocates the same sizes every iteration.
 */
const BUFFER_POOL_MIN_BYTES = 1 << 16;
/** Default cap of the bytes a pool holds (`setBufferPoolLimit` changes it). */
const DEFAULT_BUFFER_POOL_LIMIT = 512 * 2 ** 20;
/** Most bytes a written (uploaded) array may have to be moved into wasm memory (larger ones stay in the JS heap). */
const WRITE_RESIDENT_MAX_BYTES = 256 * 2 ** 20;

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** The pool limit every backend instance's memory follows (a setting, not state). */
let bufferPoolLimit = DEFAULT_BUFFER_POOL_LIMIT;
/** Live memories, so `setBufferPoolLimit` trims them all. */
const live = new Set<CpuMemory>();

/**
 * The allocation state of one CPU backend instance: its pool of freed buffers, its
 * Float64 scratch slots, and where its large float32 outputs go (its wasm engine's
 * memory). Two `cpu()` instances never share one, and disposing one leaves the other's
 * intact.
 */
export class CpuMemory {
  /** Freed buffers by byte length, this memory's own only (never arrays a caller wrote). */
  private readonly freeBuffers = new Map<number, ArrayBuffer[]>();
  /** Buffers this memory allocated: only these may be recycled. */
  private readonly owned = new WeakSet<ArrayBuffer>();
  private pooled = 0;
  /** Reused Float64 scratch buffers by slot (kernels run synchronously: one user at a time); they only grow. */
  private readonly slots = new Map<string, Float64Array>();
  /** Where large float32 outputs of the TypeScript kernels go instead of the JS heap (the wasm engine's memory). */
  residentAlloc: ((floats: number) => Float32Array | null) | null = null;

  constructor() {
    live.add(this);
  }

  /** A freed buffer of `bytes` from the pool, or null when there is none. */
  private takeBuffer(bytes: number): ArrayBuffer | null {
    const buf = this.freeBuffers.get(bytes)?.pop();
    if (!buf) return null;
    this.pooled -= bytes;
    return buf;
  }

  /** Puts a buffer this memory allocated back in the pool (if it fits the limit). */
  recycle(values: TypedArray): void {
    const buf = values.buffer;
    if (!(buf instanceof ArrayBuffer) || !this.owned.has(buf) || values.byteOffset !== 0 || values.byteLength !== buf.byteLength) return;
    if (this.pooled + buf.byteLength > bufferPoolLimit) return;
    this.owned.delete(buf);
    let list = this.freeBuffers.get(buf.byteLength);
    if (!list) this.freeBuffers.set(buf.byteLength, (list = []));
    list.push(buf);
    this.pooled += buf.byteLength;
  }

  /** See the module function `allocUninit`. */
  allocUninit(dtype: DType, size: number): TypedArray {
    const bytes = size * CTORS[dtype].BYTES_PER_ELEMENT;
    if (bytes < BUFFER_POOL_MIN_BYTES) return allocArray(dtype, size);
    if (dtype === 'float32' && this.residentAlloc) {
      const view = this.residentAlloc(size);
      if (view) return view;
    }
    const buf = this.takeBuffer(bytes) ?? new ArrayBuffer(bytes);
    this.owned.add(buf);
    return new CTORS[dtype](buf);
  }

  /**
   * The storage values for an array written to the backend (core hands over its own copy):
   * a large float32 one moves into the wasm engine's memory, so wasm kernels read it in
   * place from the first use on; anything else is kept as it is.
   */
  adoptWritten(values: TypedArray): TypedArray {
    if (!(values instanceof Float32Array) || !this.residentAlloc) return values;
    if (values.byteLength < BUFFER_POOL_MIN_BYTES || values.byteLength > WRITE_RESIDENT_MAX_BYTES) return values;
    const view = this.residentAlloc(values.length);
    if (!view) return values;
    view.set(values);
    return view;
  }

  /** A Float64Array of at least `size` elements for `slot` (contents unspecified). */
  scratch(slot: string, size: number): Float64Array {
    let buf = this.slots.get(slot);
    if (!buf || buf.length < size) {
      buf = new Float64Array(size);
      this.slots.set(slot, buf);
    }
    return buf;
  }

  /** Bytes of freed buffers the pool holds for reuse. */
  get bufferPoolBytes(): number {
    return this.pooled;
  }

  /** Bytes held by scratch buffers. */
  get scratchBytes(): number {
    let n = 0;
    for (const b of this.slots.values()) n += b.byteLength;
    return n;
  }

  /** Trims the pool to the limit. */
  trim(): void {
    for (const [size, list] of this.freeBuffers) {
      while (list.length > 0 && this.pooled > bufferPoolLimit) {
        list.pop();
        this.pooled -= size;
      }
      if (list.length === 0) this.freeBuffers.delete(size);
    }
  }

  /** Empties the pool and the scratch slots. */
  release(): void {
    this.freeBuffers.clear();
    this.pooled = 0;
    this.slots.clear();
  }

  /** Releases everything and stops following `setBufferPoolLimit` (the backend's dispose). */
  dispose(): void {
    this.release();
    this.residentAlloc = null;
    live.delete(this);
  }
}

/** The memory of calls outside any backend instance (tests of internals). */
const fallback = new CpuMemory();
/**
 * The memory of the backend instance whose kernel is running: kernels run synchronously,
 * so the instance's kernel wrapper (`guardKernels`) points this at its own memory for the
 * call, and the allocation helpers below use it.
 */
let current: CpuMemory = fallback;

/** Runs `fn` with `memory` as the allocation state of kernels (restoring the previous one after). */
export function withMemory<T>(memory: CpuMemory, fn: () => T): T {
  const prev = current;
  current = memory;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** The memory kernels allocate from now. */
export function currentMemory(): CpuMemory {
  return current;
}

/**
 * Sets (or, with null, clears) the allocator of large float32 kernel outputs of the
 * current memory: the CPU backend points its own at its wasm engine, so TypeScript
 * kernels write straight into wasm memory and the next wasm kernel reads their output
 * without a copy.
 */
export function setResidentAllocator(f: ((floats: number) => Float32Array | null) | null): void {
  current.residentAlloc = f;
}

/** The current memory's resident allocator. */
export function residentAllocator(): ((floats: number) => Float32Array | null) | null {
  return current.residentAlloc;
}

/**
 * An output array of `dtype` and `size`, from the current memory's pool when one of that
 * byte length was freed; its contents are unspecified (the caller overwrites every element).
 */
export function allocUninit(dtype: DType, size: number): TypedArray {
  return current.allocUninit(dtype, size);
}

/** Allocates a zeroed output array of `dtype` (pooled when large). */
export function alloc(dtype: DType, size: number): TypedArray {
  const out = allocUninit(dtype, size);
  if (size * out.BYTES_PER_ELEMENT >= BUFFER_POOL_MIN_BYTES) out.fill(0);
  return out;
}

/** Bytes of freed buffers the current memory's pool holds. */
export function bufferPoolBytes(): number {
  return current.bufferPoolBytes;
}

/** Empties the current memory's pool. */
export function releaseBufferPool(): void {
  current.release();
}

/**
 * Sets the most bytes of freed buffers each CPU backend instance keeps for reuse
 * (default 512 MiB; 0 turns pooling off), trimming every pool to it.
 */
export function setBufferPoolLimit(bytes: number): void {
  bufferPoolLimit = Math.max(0, bytes);
  for (const m of live) m.trim();
}

/**
 * The old name of `setBufferPoolLimit`.
 * @deprecated Use `setBufferPoolLimit` (the buffer pool, not max/avg pooling); this alias goes in the next minor version.
 */
export const setPoolLimit: (bytes: number) => void = setBufferPoolLimit;

/** Wraps a freshly computed array as storage of the current memory (a kernel's return value). */
export function wrap(values: TypedArray): CpuStorage {
  return new CpuStorage(values, current);
}
