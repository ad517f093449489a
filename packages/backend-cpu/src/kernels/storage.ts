import { releaseResident } from '../wasm/resident.js';
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

  constructor(values: TypedArray) {
    this.values = values;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Drops the values of a storage (the backend's `free`): a block of wasm memory goes back
 * to its engine, a buffer the backend allocated goes back to the pool.
 */
export function freeStorage(storage: CpuStorage): void {
  if (!releaseResident(storage.values)) recycle(storage.values);
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
 * costs its page faults on first touch (measured here: 13 ms for a new 7 MB array
 * against 0.8 ms to overwrite a reused one), and a training step frees and allocates
 * the same sizes every iteration.
 */
const POOL_MIN_BYTES = 1 << 16;
/** Default cap of the bytes the pool holds (`setPoolLimit` changes it). */
const DEFAULT_POOL_LIMIT = 512 * 2 ** 20;

/** Freed buffers by byte length, the backend's own only (never arrays a caller wrote). */
const pool = new Map<number, ArrayBuffer[]>();
/** Buffers this backend allocated: only these may be recycled. */
const owned = new WeakSet<ArrayBuffer>();
let pooledBytes = 0;
let poolLimit = DEFAULT_POOL_LIMIT;

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** A freed buffer of `bytes` from the pool, or null when there is none. */
function takeBuffer(bytes: number): ArrayBuffer | null {
  const list = pool.get(bytes);
  const buf = list?.pop();
  if (buf) {
    pooledBytes -= bytes;
    return buf;
  }
  return null;
}

/** Puts a backend-allocated buffer back in the pool (if it fits the limit). */
function recycle(values: TypedArray): void {
  const buf = values.buffer;
  if (!(buf instanceof ArrayBuffer) || !owned.has(buf) || values.byteOffset !== 0 || values.byteLength !== buf.byteLength) return;
  if (pooledBytes + buf.byteLength > poolLimit) return;
  owned.delete(buf);
  let list = pool.get(buf.byteLength);
  if (!list) pool.set(buf.byteLength, (list = []));
  list.push(buf);
  pooledBytes += buf.byteLength;
}

/** Where large float32 outputs of the TypeScript kernels go instead of the JS heap (the wasm engine's memory). */
let residentAlloc: ((floats: number) => Float32Array | null) | null = null;

/**
 * Sets (or, with null, clears) the allocator of large float32 kernel outputs: the CPU
 * backend points it at its wasm engine, so TypeScript kernels write straight into wasm
 * memory and the next wasm kernel reads their output without a copy.
 */
export function setResidentAllocator(f: ((floats: number) => Float32Array | null) | null): void {
  residentAlloc = f;
}

/** Most bytes a written (uploaded) array may have to be moved into wasm memory (larger ones stay in the JS heap). */
const WRITE_RESIDENT_MAX_BYTES = 256 * 2 ** 20;

/**
 * The storage values for an array written to the backend (core hands over its own copy):
 * a large float32 one moves into the wasm engine's memory, so wasm kernels read it in
 * place from the first use on; anything else is kept as it is.
 */
export function adoptWritten(values: TypedArray): TypedArray {
  if (!(values instanceof Float32Array) || !residentAlloc) return values;
  if (values.byteLength < POOL_MIN_BYTES || values.byteLength > WRITE_RESIDENT_MAX_BYTES) return values;
  const view = residentAlloc(values.length);
  if (!view) return values;
  view.set(values);
  return view;
}

/** The current resident allocator (to clear it only if it is still one's own). */
export function residentAllocator(): ((floats: number) => Float32Array | null) | null {
  return residentAlloc;
}

/**
 * An output array of `dtype` and `size`, from the pool when one of that byte length was
 * freed; its contents are unspecified (the caller overwrites every element).
 */
export function allocUninit(dtype: DType, size: number): TypedArray {
  const bytes = size * CTORS[dtype].BYTES_PER_ELEMENT;
  if (bytes < POOL_MIN_BYTES) return allocArray(dtype, size);
  if (dtype === 'float32' && residentAlloc) {
    const view = residentAlloc(size);
    if (view) return view;
  }
  const buf = takeBuffer(bytes) ?? new ArrayBuffer(bytes);
  owned.add(buf);
  return new CTORS[dtype](buf);
}

/** Allocates a zeroed output array of `dtype` (pooled when large). */
export function alloc(dtype: DType, size: number): TypedArray {
  const out = allocUninit(dtype, size);
  if (size * out.BYTES_PER_ELEMENT >= POOL_MIN_BYTES) out.fill(0);
  return out;
}

/** Bytes of freed buffers the pool holds for reuse. */
export function poolBytes(): number {
  return pooledBytes;
}

/** Empties the buffer pool. */
export function releasePool(): void {
  pool.clear();
  pooledBytes = 0;
}

/**
 * Sets the most bytes of freed buffers the CPU backend keeps for reuse (default
 * 512 MiB; 0 turns pooling off), trimming the pool to it.
 */
export function setPoolLimit(bytes: number): void {
  poolLimit = Math.max(0, bytes);
  for (const [size, list] of pool) {
    while (list.length > 0 && pooledBytes > poolLimit) {
      list.pop();
      pooledBytes -= size;
    }
    if (list.length === 0) pool.delete(size);
  }
}

/** Wraps a freshly computed array as storage (a kernel's return value). */
export function wrap(values: TypedArray): CpuStorage {
  return new CpuStorage(values);
}
