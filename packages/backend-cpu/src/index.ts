/**
 * @tessera/backend-cpu — the reference backend: every primitive op as a TypeScript
 * kernel over typed arrays, running synchronously on the calling thread; the hot float32
 * kernels (matmul, convolutions, max pooling, every elementwise expression, the fused
 * bias-activation) run in WebAssembly SIMD where the engine supports it, large ones split
 * over worker threads (`TESSERA_WASM=0` or `cpu({ wasm: false })` turns wasm off).
 *
 * @example
 * import { use } from '@tessera/core';
 * import { cpu } from '@tessera/backend-cpu';
 * use(cpu());
 */
import {
  CORE_API_VERSION,
  groupByMember,
  type BackendImpl,
  type BackendPlugin,
  type DType,
  type DataId,
  type ElementwiseAttrs,
  type Kernel,
  type TypedArray,
} from '@tessera/core';
import { kernelTable } from './kernels/index.js';
import { preparedBytes } from './kernels/prepared.js';
import { CpuMemory, CpuStorage, asStorage, freeStorage } from './kernels/storage.js';
import { createWasmEngine, wasmDisabledByEnv, type WasmEngine } from './wasm/engine.js';

export { CpuStorage, setBufferPoolLimit, setPoolLimit } from './kernels/storage.js';
export { cpuKernels } from './kernels/index.js';
export { setPreparedLimit } from './kernels/prepared.js';
export { setThreads } from './wasm/thread-count.js';

/** Options of the CPU backend plugin. */
export interface CpuOptions {
  /** Priority when `init()` picks a default backend (default 1: the fallback). */
  readonly priority?: number;
  /**
   * Run the hot float32 kernels in WebAssembly SIMD (default: on, unless the
   * environment variable `TESSERA_WASM` is `0`). Where WebAssembly SIMD is missing the
   * backend uses its TypeScript kernels either way.
   */
  readonly wasm?: boolean;
  /**
   * Threads (the calling one included) that large wasm kernel calls (matmul, convolutions,
   * max pooling) are split over, on worker threads sharing the WebAssembly memory. Default: `setThreads`'s
   * value, else the available cores. Ignored (one thread, one notice) where shared memory
   * or worker threads are missing.
   */
  readonly threads?: number;
  /**
   * Compute float32 3×3 stride-1 convolutions (forward and input gradient) with Winograd's
   * F(2×2, 3×3) algorithm where it pays (enough channels and tiles): 2.25× fewer
   * multiply-adds, results within float32 rounding of the direct convolution but not bit
   * for bit equal to it. Default on; `false` keeps every conv on im2col + GEMM.
   */
  readonly winograd?: boolean;
  /** Backend name (default `'cpu'`); e.g. to install a second, differently configured CPU backend. */
  readonly name?: string;
}

const CPU_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

let warned = false;

/** The wasm engine if wasm is wanted and available (says once when it is wanted but missing). */
function engineFor(options: CpuOptions): WasmEngine | null {
  if (!(options.wasm ?? !wasmDisabledByEnv())) return null;
  const engine = createWasmEngine(options.threads === undefined ? {} : { threads: options.threads });
  if (!engine && !warned) {
    warned = true;
    console.warn('@tessera/backend-cpu: WebAssembly SIMD is not available here; using the TypeScript kernels.');
  }
  return engine;
}

/** Creates a CPU backend instance. */
function createCpuBackend(options: CpuOptions): BackendImpl {
  const name = options.name ?? 'cpu';
  const engine = engineFor(options);
  const wasm = engine ? (engine.fma ? 'simd+fma' : 'simd') : 'off';
  // This instance's pools and scratch; its large float32 outputs of the TypeScript kernels
  // go into its engine's (shared) memory.
  const memory = new CpuMemory();
  if (engine) memory.residentAlloc = (floats: number) => engine.allocResident(floats);
  const readCopy = (dataId: DataId, size: number): TypedArray => asStorage(dataId, 'read').values.slice(0, size);
  const kernels = kernelTable(engine, memory, { winograd: options.winograd ?? true });
  return {
    name,
    dtypes: CPU_DTYPES,
    kernels,
    // Grouped parameter updates of compiled steps run member by member (no launch cost to save).
    elementwiseGroup: groupByMember(kernels.elementwise as Kernel<ElementwiseAttrs>),
    write: (values) => new CpuStorage(memory.adoptWritten(values), memory),
    read: async (dataId, _dtype, size) => readCopy(dataId, size),
    readSync: (dataId, _dtype, size) => readCopy(dataId, size),
    free: (dataId) => {
      if (dataId instanceof CpuStorage) freeStorage(dataId);
    },
    memoryInfo: () => ({
      pooledBytes: memory.bufferPoolBytes,
      scratchBytes: memory.scratchBytes,
      wasmBytes: engine?.bytes() ?? 0,
      preparedBytes: engine ? preparedBytes(engine) : 0,
    }),
    info: () => ({
      backend: name,
      threads: engine?.threads ?? 1,
      workerParts: engine?.workerParts ?? 0,
      wasm,
      dtypes: CPU_DTYPES.join(', '),
    }),
    dispose: () => {
      memory.dispose();
      engine?.dispose();
    },
  };
}

/**
 * The CPU backend plugin: always available, synchronous, supports float32, float64,
 * int32 and bool. `create` and `createSync` return the same instance.
 *
 * @example
 * use(cpu());               // WebAssembly SIMD for float32 matmul/conv where available
 * use(cpu({ wasm: false })); // TypeScript kernels only
 */
export function cpu(options: CpuOptions = {}): BackendPlugin {
  let impl: BackendImpl | undefined;
  const get = (): BackendImpl => (impl ??= createCpuBackend(options));
  return {
    kind: 'backend',
    name: options.name ?? 'cpu',
    priority: options.priority ?? 1,
    coreApi: CORE_API_VERSION,
    create: async () => get(),
    createSync: get,
  };
}
