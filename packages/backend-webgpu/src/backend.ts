import type { AnyKernel, BackendImpl, BackendMemoryInfo, DType, DataId, TypedArray } from '@tessera/core';
import type { GpuContext } from './context.js';
import { attachContext } from './kernels/gpu-of.js';
import { reduceGroup } from './kernels/reduce-group.js';
import { elementwiseGroup } from './kernels/group.js';
import { tileName } from './kernels/tiles.js';
import type { AdapterReport } from './report.js';
import { recordStep } from './recording.js';
import { asGpu, GpuStorage } from './storage.js';

/** Dtypes the GPU stores: no float64 (WebGPU has no 64-bit floats). */
export const WEBGPU_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Kernels that apply an `epilogue` attribute in their store (kernels/epilogue.ts). */
const EPILOGUE_KERNELS: ReadonlySet<string> = new Set(['matmul', 'conv2d', 'conv2dBackpropInput', 'maxPool2d', 'avgPool2d']);
/** Kernels that compute one input from a `prologue` expression, and which input (README, *Prologues*). */
const PROLOGUE_KERNELS: ReadonlyMap<string, number> = new Map([['softmaxCrossEntropyGrad', 2]]);

/** Values as the 32-bit words the GPU stores (bool 0/1 bytes widen to u32). */
function toWords(values: TypedArray, dtype: DType): ArrayBufferView {
  if (dtype === 'bool') return Uint32Array.from(values as Uint8Array, (v) => (v ? 1 : 0));
  if (dtype === 'int32' && !(values instanceof Int32Array)) return Int32Array.from(values as ArrayLike<number>);
  if (dtype === 'float32' && !(values instanceof Float32Array)) return Float32Array.from(values as ArrayLike<number>);
  return values;
}

/** GPU words back into the typed array of a dtype. */
function fromWords(words: ArrayBuffer, dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(words, 0, size);
    case 'int32':
      return new Int32Array(words, 0, size);
    default:
      return Uint8Array.from(new Uint32Array(words, 0, size), (v) => (v ? 1 : 0));
  }
}

/** Extra facts the backend reports. */
export interface WebGpuMemoryInfo extends BackendMemoryInfo {
  /** Bytes of pooled buffers held by live tensors (size-class rounded). */
  readonly inUseBytes: number;
  /** Bytes kept in the pool for reuse. */
  readonly pooledBytes: number;
  /** GPU buffers alive (tensor pool). */
  readonly buffers: number;
  /** Readback staging bytes. */
  readonly stagingBytes: number;
  /** Bytes of compiled steps' device recordings (their intermediates and parameters). */
  readonly recordingBytes: number;
}

/** Builds the BackendImpl around a GPU context. */
export function createWebGpuBackend(gpu: GpuContext, report: AdapterReport, kernels: Readonly<Record<string, AnyKernel>>): BackendImpl {
  const impl: BackendImpl = {
    name: 'webgpu',
    dtypes: WEBGPU_DTYPES,
    kernels,
    epilogueKernels: EPILOGUE_KERNELS,
    prologueKernels: PROLOGUE_KERNELS,
    elementwiseGroup,
    reduceGroup,
    matmulOnesColumn: true,
    conv2dBackpropFilterOnesColumn: true,
    write: (values, dtype) => gpu.upload(toWords(values, dtype), values.length, dtype),
    read: async (dataId: DataId, dtype, size) => fromWords(await gpu.read(asGpu(dataId, 'read')), dtype, size),
    alloc: (dtype, size) => gpu.alloc('alloc', size, dtype),
    record: (run) => recordStep(gpu, run),
    free: (dataId) => {
      if (dataId instanceof GpuStorage) gpu.release(dataId);
    },
    memoryInfo: (): WebGpuMemoryInfo => {
      const s = gpu.stats();
      return {
        inUseBytes: s.inUseBytes,
        pooledBytes: s.pooledBytes,
        buffers: s.buffers,
        stagingBytes: s.stagingBytes,
        recordingBytes: gpu.recordingBytes,
      };
    },
    sync: () => gpu.sync(),
    info: () => ({
      backend: 'webgpu',
      vendor: report.vendor,
      architecture: report.architecture,
      device: report.device,
      description: report.description,
      software: report.software,
      shaderF16: report.shaderF16,
      maxStorageBufferBindingSize: report.limits.maxStorageBufferBindingSize ?? 0,
      maxComputeWorkgroupsPerDimension: report.limits.maxComputeWorkgroupsPerDimension ?? 0,
      maxStorageBuffersPerShaderStage: gpu.device.limits.maxStorageBuffersPerShaderStage,
      gemmTile: tileName(gpu.preferredTile),
      pipelines: gpu.pipelineCount,
      dispatches: gpu.dispatches,
      submits: gpu.submits,
      bindGroupHits: gpu.bindGroups.hits,
      bindGroupMisses: gpu.bindGroups.misses,
      dtypes: WEBGPU_DTYPES.join(', '),
    }),
    dispose: () => gpu.destroy(),
  };
  attachContext(impl, gpu);
  return impl;
}
