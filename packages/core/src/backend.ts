import type { DType, TypedArray } from './dtype.js';

/**
 * Opaque handle to a backend's storage for one buffer. Core never looks inside; a
 * backend returns it from `write` or a kernel and gets it back in kernel inputs.
 */
export type DataId = object;

/** What a kernel sees of one input: always contiguous, row-major. */
export interface TensorData {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** Shape and dtype of the output a kernel must produce. */
export interface OutputSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** Everything a kernel gets for one call. */
export interface KernelContext<A> {
  readonly backend: BackendImpl;
  readonly inputs: readonly TensorData[];
  readonly attrs: A;
  readonly out: OutputSpec;
}

/**
 * A kernel computes one op on one backend: `(backend, inputs, attrs, output spec) →
 * storage`. It must not keep references to its inputs and must return fresh storage.
 */
export type Kernel<A = Record<string, never>> = (ctx: KernelContext<A>) => DataId;

/** A kernel of unknown attributes, for tables that hold many ops. */
export type AnyKernel = Kernel<never>;

/** Extra numbers a backend may report in `memory()`. */
export interface BackendMemoryInfo {
  /** Bytes held in a pool for reuse, not owned by any tensor. */
  readonly pooledBytes?: number;
  readonly [key: string]: number | undefined;
}

/** A running backend: storage management plus its kernels. */
export interface BackendImpl {
  /** Unique name, e.g. `'cpu'` or `'webgpu'`. */
  readonly name: string;
  /** Dtypes this backend can store and compute. */
  readonly dtypes: readonly DType[];
  /** Kernels by op name. */
  readonly kernels: Readonly<Record<string, AnyKernel>>;
  /** Uploads values (the backend may keep the array: callers pass a fresh one). */
  write(values: TypedArray, dtype: DType, shape: readonly number[]): DataId;
  /** Reads a copy of the values. */
  read(dataId: DataId, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, only where the backend can (CPU). */
  readSync?(dataId: DataId, dtype: DType, size: number): TypedArray;
  /** Releases storage. Called exactly once per DataId, when its last reference goes. */
  free(dataId: DataId): void;
  /** Backend-specific memory numbers for `memory()`. */
  memoryInfo?(): BackendMemoryInfo;
  /** Waits until all queued work has finished (GPU backends). */
  sync?(): Promise<void>;
  /** Human-readable facts for `tessera info`. */
  info?(): Readonly<Record<string, string | number | boolean>>;
  /** Tears the backend down; storage is invalid afterwards. */
  dispose?(): void;
}
