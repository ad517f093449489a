import { BackendError, type BackendImpl } from '@tessera/core';
import type { GpuContext } from '../context.js';

const contexts = new WeakMap<BackendImpl, GpuContext>();

/** Links a backend instance to its GPU context (done once by the backend factory). */
export function attachContext(backend: BackendImpl, gpu: GpuContext): void {
  contexts.set(backend, gpu);
}

/** The GPU context behind a kernel's backend. */
export function gpuOf(backend: BackendImpl): GpuContext {
  const g = contexts.get(backend);
  if (!g)
    throw new BackendError(
      `webgpu: a WebGPU kernel was called with backend '${backend.name}'; register WebGPU kernels only for the webgpu backend.`,
    );
  return g;
}
