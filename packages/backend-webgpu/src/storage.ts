import { BackendError, type DType } from '@tessera/core';

/**
 * The WebGPU backend's storage for one tensor buffer: a pooled `GPUBuffer` plus the
 * logical size. Every element is 4 bytes on the GPU: float32 as `f32`, int32 as `i32`,
 * bool as `u32` 0/1 (WGSL has no 8-bit storage type).
 */
export class GpuStorage {
  /** True once `free` was called; the buffer then belongs to the pool. */
  freed = false;

  constructor(
    /** The GPU buffer (its capacity may exceed `bytes`: pooled by size class). */
    readonly buffer: GPUBuffer,
    /** Number of elements. */
    readonly size: number,
    /** Element type. */
    readonly dtype: DType,
  ) {}

  /** Bytes the tensor occupies on the GPU (4 per element). */
  get bytes(): number {
    return this.size * 4;
  }
}

/** Checks a DataId is live WebGPU storage and returns it. */
export function asGpu(dataId: object, where: string): GpuStorage {
  if (!(dataId instanceof GpuStorage)) {
    throw new BackendError(`webgpu: ${where} got a buffer that is not WebGPU storage; move the tensor with t.toAsync('webgpu') first.`);
  }
  if (dataId.freed) throw new BackendError(`webgpu: ${where} got a buffer that was already freed.`);
  return dataId;
}

/** The WGSL scalar type that stores a dtype. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw new BackendError(`webgpu: ${dtype} is not supported on the GPU (WebGPU has no 64-bit floats); cast to float32 first.`);
  }
}
