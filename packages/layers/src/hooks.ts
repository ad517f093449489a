import type { AnyModule } from './module.js';

/** Called after a module's forward with its inputs and output. */
export type ForwardHook = (module: AnyModule, inputs: readonly unknown[], output: unknown) => void;

const globalHooks: ForwardHook[] = [];

/** @internal Runs a module's own hooks, then any global ones (summary). */
export function runForwardHooks(m: AnyModule, inputs: readonly unknown[], out: unknown, own: readonly ForwardHook[]): void {
  for (const h of own) h(m, inputs, out);
  for (const h of globalHooks) h(m, inputs, out);
}
/** @internal */
runForwardHooks.active = (): boolean => globalHooks.length > 0;

/** Runs `fn` with `hook` called after every module's forward (used by `summary`). */
export function withForwardHook<T>(hook: ForwardHook, fn: () => T): T {
  globalHooks.push(hook);
  try {
    return fn();
  } finally {
    globalHooks.splice(globalHooks.indexOf(hook), 1);
  }
}
