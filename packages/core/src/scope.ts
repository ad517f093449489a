import type { Tensor } from './tensor.js';

/**
 * Memory scopes. `tidy(fn)` opens a scope; every tensor created inside is tracked by it
 * and disposed when it closes, unless returned or `keep()`-ed. Async scopes keep their
 * own stack per async context (AsyncLocalStorage where the platform has it), so
 * concurrent `tidyAsync` calls never free each other's tensors.
 */
export class Scope {
  readonly tensors = new Set<Tensor>();
  constructor(readonly parent: Scope | null) {}
}

interface AsyncStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

interface Holder {
  current: Scope | null;
}

const root: Holder = { current: null };

function createAsyncStore(): AsyncStore<Holder> | null {
  // Node ≥ 20.16 exposes built-ins synchronously; browsers have no AsyncLocalStorage yet.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:async_hooks') as
    | { AsyncLocalStorage: new () => AsyncStore<Holder> }
    | undefined;
  return mod ? new mod.AsyncLocalStorage() : null;
}

const als = createAsyncStore();

/** True when async scopes are isolated per async context (Node). */
export const asyncScopesIsolated = als !== null;

function holder(): Holder {
  return als?.getStore() ?? root;
}

/** Tracks a new tensor in the innermost scope. */
export function track(t: Tensor): void {
  const s = holder().current;
  if (s) {
    s.tensors.add(t);
    t.scope = s;
  }
}

/** Stops a tensor from being disposed by its scope. */
export function untrack(t: Tensor): void {
  if (t.scope) {
    t.scope.tensors.delete(t);
    t.scope = null;
  }
}

/** Collects every tensor reachable in a returned value (arrays, plain objects, Maps). */
export function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, isTensor);
  }
}

/** Runs `fn` in a new synchronous scope. */
export function withScope<T>(fn: () => T, close: (scope: Scope, result: T) => void): T {
  const h = holder();
  const scope = new Scope(h.current);
  h.current = scope;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    h.current = scope.parent;
    close(scope, undefined as T);
    throw e;
  }
  h.current = scope.parent;
  close(scope, result);
  return result;
}

/** Runs async `fn` in a new scope isolated to its async context. */
export async function withAsyncScope<T>(
  fn: () => Promise<T>,
  close: (scope: Scope, result: T | undefined) => void,
): Promise<T> {
  const parent = holder().current;
  const scope = new Scope(parent);
  const h: Holder = { current: scope };
  const run = () => fn();
  let result: T;
  try {
    if (als) result = await als.run(h, run);
    else {
      // Without async context isolation, the scope is global while fn runs.
      const prev = root.current;
      root.current = scope;
      try {
        result = await run();
      } finally {
        root.current = prev;
      }
    }
  } catch (e) {
    close(scope, undefined);
    throw e;
  }
  close(scope, result);
  return result;
}
