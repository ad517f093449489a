/**
 * @tessera/backend-cpu — the reference backend: every primitive op as a pure TypeScript
 * kernel over typed arrays, running synchronously on the calling thread.
 *
 * @example
 * import { use } from '@tessera/core';
 * import { cpu } from '@tessera/backend-cpu';
 * use(cpu());
 */
import {
  CORE_API_VERSION,
  type BackendImpl,
  type BackendPlugin,
  type DType,
  type DataId,
  type TypedArray,
} from '@tessera/core';
import { cpuKernels } from './kernels/index.js';
import { releaseScratch, scratchBytes } from './kernels/scratch.js';
import { CpuStorage, asStorage, freeStorage } from './kernels/storage.js';

export { CpuStorage } from './kernels/storage.js';
export { cpuKernels } from './kernels/index.js';

/** Options of the CPU backend plugin. */
export interface CpuOptions {
  /** Priority when `init()` picks a default backend (default 1: the fallback). */
  readonly priority?: number;
}

const CPU_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** Creates a CPU backend instance. */
function createCpuBackend(): BackendImpl {
  const readCopy = (dataId: DataId, size: number): TypedArray => asStorage(dataId, 'read').values.slice(0, size);
  return {
    name: 'cpu',
    dtypes: CPU_DTYPES,
    kernels: cpuKernels,
    write: (values) => new CpuStorage(values),
    read: async (dataId, _dtype, size) => readCopy(dataId, size),
    readSync: (dataId, _dtype, size) => readCopy(dataId, size),
    free: (dataId) => {
      if (dataId instanceof CpuStorage) freeStorage(dataId);
    },
    memoryInfo: () => ({ pooledBytes: 0, scratchBytes: scratchBytes() }),
    info: () => ({ backend: 'cpu', threads: 1, dtypes: CPU_DTYPES.join(', ') }),
    dispose: releaseScratch,
  };
}

/**
 * The CPU backend plugin: always available, synchronous, supports float32, float64,
 * int32 and bool. `create` and `createSync` return the same instance.
 */
export function cpu(options: CpuOptions = {}): BackendPlugin {
  let impl: BackendImpl | undefined;
  const get = (): BackendImpl => (impl ??= createCpuBackend());
  return {
    kind: 'backend',
    name: 'cpu',
    priority: options.priority ?? 1,
    coreApi: CORE_API_VERSION,
    create: async () => get(),
    createSync: get,
  };
}
