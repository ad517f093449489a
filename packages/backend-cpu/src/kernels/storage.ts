import { BackendError, allocArray, type DType, type DataId, type TensorData, type TypedArray } from '@tessera/core';

/**
 * The CPU backend's storage for one buffer: a plain typed array in the JS heap.
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

/** Drops the values of a storage (the backend's `free`). */
export function freeStorage(storage: CpuStorage): void {
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

/** Allocates a zeroed output array of `dtype`. */
export function alloc(dtype: DType, size: number): TypedArray {
  return allocArray(dtype, size);
}

/** Wraps a freshly computed array as storage (a kernel's return value). */
export function wrap(values: TypedArray): CpuStorage {
  return new CpuStorage(values);
}
