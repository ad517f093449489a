/// <reference types="@webgpu/types" preserve="true" />
/**
 * @tessera/backend-webgpu — every primitive op as a WGSL compute kernel, with a buffer
 * pool, a pipeline cache, batched command encoding and async readback. Runs in browsers
 * (`navigator.gpu`) and in Node through the `webgpu` package (Dawn).
 *
 * @example
 * import { use, init, tensor } from '@tessera/core';
 * import { cpu } from '@tessera/backend-cpu';
 * import { webgpu } from '@tessera/backend-webgpu';
 * use(webgpu()); use(cpu());
 * await init(); // webgpu if an adapter is found, else cpu
 * const y = tensor([1, 2, 3]).mul(2);
 * console.log(await y.data());
 */
import { CORE_API_VERSION, type BackendImpl, type BackendPlugin } from '@tessera/core';
import { createWebGpuBackend } from './backend.js';
import { GpuContext } from './context.js';
import { findGpu, requestAdapter, requestDevice, type GpuSource } from './gpu.js';
import { webgpuKernels } from './kernels/index.js';
import { describeAdapter } from './report.js';

export { adapterInfo, describeAdapter, type AdapterReport } from './report.js';
export { WEBGPU_DTYPES, type WebGpuMemoryInfo } from './backend.js';
export { webgpuKernels } from './kernels/index.js';
export { warmup } from './warmup.js';
export { tuneMatmul, type TuneOptions, type TuneResult, type TileTiming } from './tune.js';
export type { GpuSource } from './gpu.js';

/** Options of the WebGPU backend plugin. */
export interface WebGpuOptions extends GpuSource {
  /** Priority when `init()` picks a default backend (default 2: above the CPU's 1). */
  readonly priority?: number;
  /** Adapter request options, e.g. `{ powerPreference: 'high-performance' }`. */
  readonly adapter?: GPURequestAdapterOptions;
  /** Dispatches recorded before the command encoder is submitted (default 64). */
  readonly batchSize?: number;
  /** Bytes kept in the buffer pool before the oldest free buffers are destroyed (default 512 MiB). */
  readonly maxPooledBytes?: number;
  /** Caps workgroups per dispatch dimension below the adapter's limit (to test dispatch folding). */
  readonly maxWorkgroupsPerDimension?: number;
}

/**
 * The WebGPU backend plugin. `create()` finds a GPU (`options.gpu`, `navigator.gpu`, or
 * the `webgpu` package in Node), requests an adapter and a device; a missing adapter is a
 * BackendError, so `init()` falls back to the next backend. Supports float32, int32 and
 * bool; reads are async only (`await t.data()`).
 */
export function webgpu(options: WebGpuOptions = {}): BackendPlugin {
  return {
    kind: 'backend',
    name: 'webgpu',
    priority: options.priority ?? 2,
    coreApi: CORE_API_VERSION,
    create: async (): Promise<BackendImpl> => {
      const gpu = await findGpu(options);
      const adapter = await requestAdapter(gpu, options.adapter);
      const device = await requestDevice(adapter);
      const ctx = new GpuContext(device, {
        batchSize: options.batchSize ?? 64,
        maxPooledBytes: options.maxPooledBytes ?? 512 * 1024 * 1024,
        maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
      });
      return createWebGpuBackend(ctx, describeAdapter(adapter), webgpuKernels);
    },
  };
}
