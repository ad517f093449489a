import { TesseraError } from './errors.js';
import { collectTensors, untrack, withAsyncScope, withScope, type Scope } from './scope.js';
import { allStats } from './storage.js';
import { isTensor, type Tensor } from './tensor.js';
import { backends as installedBackends, getBackend } from './registry.js';

function closeScope(scope: Scope, result: unknown): void {
  const keepSet = new Set<Tensor>();
  collectTensors(result, keepSet, isTensor);
  for (const t of scope.tensors) {
    if (keepSet.has(t)) continue;
    t.dispose();
  }
  // Returned tensors now belong to the enclosing scope (or to the caller).
  for (const t of keepSet) {
    if (t.scope !== scope) continue;
    t.scope = null;
    if (scope.parent) {
      scope.parent.tensors.add(t);
      t.scope = scope.parent;
    }
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

const isAsyncFunction = (fn: unknown): boolean =>
  typeof fn === 'function' && (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction');

function asyncTidyError(): TesseraError {
  return new TesseraError(
    'tidy: the function is async (it returns a Promise); tidy ends its scope at the first await, so tensors made after it ' +
      'would leak or be freed while still in use. Use `await tidyAsync(async () => …)` instead.',
  );
}

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (found in
 * arrays, plain objects and Maps) and those passed to `keep()`.
 *
 * `fn` must be synchronous: an `async` function is refused before it runs, and a function
 * that returns a Promise has every tensor it made so far disposed and the call throws; both
 * errors point to `tidyAsync`, which keeps the scope open across `await`.
 *
 * @example
 * const y = tidy(() => x.mul(2).add(1)); // the intermediate x·2 is freed
 */
export function tidy<T>(fn: () => T): T {
  if (isAsyncFunction(fn)) throw asyncTidyError();
  let promised = false;
  const result = withScope(fn, (scope, r) => {
    promised = isThenable(r);
    closeScope(scope, promised ? undefined : r);
  });
  if (promised) {
    // It goes on without its tensors; its own rejection would only repeat this error, later.
    (result as PromiseLike<unknown>).then(undefined, () => undefined);
    throw asyncTidyError();
  }
  return result;
}

/**
 * Async-safe `tidy`: `await` inside is fine, and concurrent calls never free each other's
 * tensors (on Node; in browsers without AsyncLocalStorage, avoid creating tensors in
 * other tasks while it runs).
 */
export function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  return withAsyncScope(fn, closeScope);
}

/** Exempts a tensor from disposal by the scope it was created in. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  untrack(t);
  return t;
}

/** Disposes tensors found in a value (a tensor, arrays, objects, Maps). */
export function dispose(value: unknown): void {
  const set = new Set<Tensor>();
  collectTensors(value, set, isTensor);
  for (const t of set) t.dispose();
}

/** Memory of one backend. */
export interface BackendMemory {
  /** Live tensor handles (what user code holds). */
  readonly numTensors: number;
  /** Live buffers (handles sharing a buffer, like reshapes, count once). */
  readonly numBuffers: number;
  /** Bytes in live buffers. */
  readonly numBytes: number;
  /** Bytes a backend keeps pooled for reuse (GPU). */
  readonly pooledBytes: number;
}

/** What `memory()` returns: totals and per backend. */
export interface MemoryInfo extends BackendMemory {
  readonly backends: Readonly<Record<string, BackendMemory>>;
}

/** Live tensors, buffers and bytes, in total and per backend. */
export function memory(): MemoryInfo {
  const per: Record<string, BackendMemory> = {};
  let numTensors = 0;
  let numBuffers = 0;
  let numBytes = 0;
  let pooledBytes = 0;
  for (const [name, s] of allStats()) {
    let pooled = 0;
    if (installedBackends().includes(name)) {
      try {
        pooled = getBackend(name).memoryInfo?.().pooledBytes ?? 0;
      } catch {
        pooled = 0;
      }
    }
    per[name] = { numTensors: s.tensors, numBuffers: s.storages, numBytes: s.bytes, pooledBytes: pooled };
    numTensors += s.tensors;
    numBuffers += s.storages;
    numBytes += s.bytes;
    pooledBytes += pooled;
  }
  return { numTensors, numBuffers, numBytes, pooledBytes, backends: per };
}
