import { BackendError } from '@tessera/core';

/** What `setThreads` asked for (null: the available cores). */
let wanted: number | null = null;

/** Most threads the default takes from `navigator.hardwareConcurrency` (each worker holds 2 MiB of scratch). */
const BROWSER_DEFAULT_CAP = 16;

let cores: number | undefined;

/**
 * Logical cores this process may use (browsers: `navigator.hardwareConcurrency`, at most
 * 16; 1 where unknown), read once: every kernel call asks.
 */
function availableCores(): number {
  return (cores ??= readCores());
}

function readCores(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const fromOs = os?.availableParallelism?.() ?? os?.cpus?.().length;
  const fromNavigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, fromOs ?? (fromNavigator === undefined ? 1 : Math.min(fromNavigator, BROWSER_DEFAULT_CAP)));
}

/** Threads the WebAssembly GEMM should use: `setThreads`'s value, else the available cores. */
export function threadsWanted(): number {
  return wanted ?? availableCores();
}

/**
 * Sets how many threads (the calling one included) the CPU backend's WebAssembly GEMM
 * splits large matmuls and convolutions over; takes effect at the next kernel call of
 * every CPU backend that was not given an explicit `threads` option. `setThreads()`
 * with no argument goes back to the default, the available cores. Where shared memory
 * or worker threads are missing the kernels run on one thread regardless.
 *
 * @example
 * setThreads(1); // single-threaded, e.g. to measure per-core speed
 */
export function setThreads(n?: number): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
    throw new BackendError(
      `cpu: setThreads expected a positive integer thread count, got ${n}; pass 1 for a single thread or nothing for the available cores.`,
    );
  }
  wanted = n ?? null;
}
