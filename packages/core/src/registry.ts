import type { AnyKernel, BackendImpl } from './backend.js';
import { BackendError, KernelNotFoundError, PluginError } from './errors.js';
import type { OpDef } from './op.js';
import { nearest } from './nearest.js';
import { secondCopyNote } from './version.js';
import {
  CORE_API_VERSION,
  type BackendPlugin,
  type Plugin,
} from './plugin-types.js';

/**
 * The registry: installed plugins, started backends, op definitions and extra kernels.
 * One per copy of core; `checkSingleCopy` warns when two copies are loaded.
 */
const backendPlugins = new Map<string, BackendPlugin>();
const started = new Map<string, BackendImpl>();
const extraKernels = new Map<string, Map<string, AnyKernel>>();
const opDefs = new Map<string, OpDef<never>>();
let defaultBackend: BackendImpl | null = null;
/** Kernel-plugin backend names already warned about by `checkKernelTargets`. */
const warnedTargets = new Set<string>();

/** Installs a plugin: a backend, kernels for a backend, op definitions, or a bundle. */
export function use(plugin: Plugin): void {
  if (plugin.coreApi !== CORE_API_VERSION) {
    throw new PluginError(
      `use(${plugin.name}): the plugin was built for core API ${plugin.coreApi}, but this ` +
        `@tessera/core provides API ${CORE_API_VERSION}. Install versions of the plugin and ` +
        `@tessera/core that match.`,
    );
  }
  switch (plugin.kind) {
    case 'backend':
      backendPlugins.set(plugin.name, plugin);
      break;
    case 'kernels': {
      let table = extraKernels.get(plugin.backend);
      if (!table) extraKernels.set(plugin.backend, (table = new Map()));
      for (const [op, k] of Object.entries(plugin.kernels)) table.set(op, k);
      break;
    }
    case 'ops':
      for (const def of plugin.ops) registerOp(def);
      break;
    case 'bundle':
      for (const p of plugin.plugins) use(p);
      break;
  }
}

/** Registers an op definition so `kernelsFor` and `ops()` know it. */
export function registerOp(def: OpDef<never>): void {
  opDefs.set(def.name, def);
}

/** Names of installed backend plugins, best first. */
export function backends(): string[] {
  return [...backendPlugins.values()].sort((a, b) => b.priority - a.priority).map((p) => p.name);
}

/** Registered op names (primitives, composites and plugin ops). */
export function ops(): string[] {
  return [...opDefs.keys()].sort();
}

/** The registered definition of an op, if any. */
export function getOpDef(name: string): OpDef<never> | undefined {
  return opDefs.get(name);
}

/** Options of `init`. */
export interface InitOptions {
  /** Backend names to try, in order. Default: every installed backend by priority. */
  readonly backends?: readonly string[];
  /** Called with a message when a backend fails to start and the next is tried. */
  readonly onFallback?: (message: string) => void;
}

/**
 * Starts the best backend that initialises and makes it the default. Returns its name.
 * A backend that fails is reported (console.warn unless `onFallback`) and the next is tried.
 */
export async function init(options: InitOptions = {}): Promise<string> {
  checkKernelTargets();
  const order = options.backends ?? backends();
  const failures: string[] = [];
  for (const name of order) {
    try {
      const impl = await startBackend(name);
      defaultBackend = impl;
      return impl.name;
    } catch (e) {
      const msg = `backend '${name}' failed to start: ${(e as Error).message}`;
      failures.push(msg);
      const next = order[order.indexOf(name) + 1];
      const note = next ? `${msg}; falling back to '${next}'.` : msg;
      if (options.onFallback) options.onFallback(note);
      else console.warn(`[tessera] ${note}`);
    }
  }
  throw new BackendError(
    order.length === 0
      ? 'init: no backend is installed. Install one first, e.g. `use(cpu())` from @tessera/backend-cpu.' + secondCopyNote()
      : `init: no backend could start (${failures.join('; ')}).`,
  );
}

/** Starts (once) and returns the backend with this name. */
async function startBackend(name: string): Promise<BackendImpl> {
  const have = started.get(name);
  if (have) return have;
  const plugin = backendPlugins.get(name);
  if (!plugin) throw unknownBackend(name);
  const impl = await plugin.create();
  started.set(name, impl);
  return impl;
}

function unknownBackend(name: string): BackendError {
  const near = nearest(name, backends());
  return new BackendError(
    `backend '${name}' is not installed (installed: ${backends().join(', ') || 'none'}).` +
      (near ? ` Did you mean '${near}'?` : ` Install it with use(...) before init().`) +
      secondCopyNote(),
  );
}

/**
 * Warns once per name about kernel plugins registered for a backend that is not installed
 * but whose name is within a typo of one that is (`backend: 'cdu'` next to `cpu`): those
 * kernels would never run. Kernels for a backend that is simply absent (a plugin shipping
 * WebGPU kernels in a CPU-only app) stay silent. Runs on `init()` and on the first
 * synchronous start of the default backend.
 */
function checkKernelTargets(): void {
  const installed = backends();
  for (const target of extraKernels.keys()) {
    if (backendPlugins.has(target) || warnedTargets.has(target)) continue;
    const near = nearest(target, installed);
    if (!near) continue;
    warnedTargets.add(target);
    console.warn(
      `[tessera] use(): kernels were registered for backend '${target}', which is not installed ` +
        `(installed: ${installed.join(', ')}); they will never run. Did you mean backend: '${near}'?`,
    );
  }
}

/** A started backend by name; starts it synchronously when the plugin can. */
export function getBackend(name: string): BackendImpl {
  const have = started.get(name);
  if (have) return have;
  const plugin = backendPlugins.get(name);
  if (!plugin) throw unknownBackend(name);
  if (!plugin.createSync) {
    throw new BackendError(`backend '${name}' is not started: call \`await init({ backends: ['${name}'] })\` first.`);
  }
  const impl = plugin.createSync();
  started.set(name, impl);
  return impl;
}

/**
 * The default backend. If `init()` was not awaited, the highest-priority installed
 * backend that can start synchronously is started.
 */
export function defaultBackendImpl(): BackendImpl {
  if (defaultBackend) return defaultBackend;
  checkKernelTargets();
  for (const name of backends()) {
    if (backendPlugins.get(name)?.createSync) {
      defaultBackend = getBackend(name);
      return defaultBackend;
    }
  }
  throw new BackendError(
    backendPlugins.size === 0
      ? 'no backend is installed: call `use(cpu())` (from @tessera/backend-cpu) before creating tensors.' + secondCopyNote()
      : `no backend is started: call \`await init()\` before creating tensors (installed: ${backends().join(', ')}).`,
  );
}

/** Name of the default backend (starting one as `defaultBackendImpl` does). */
export function getDefaultBackend(): string {
  return defaultBackendImpl().name;
}

/** Makes an already installed backend the default (starting it synchronously if needed). */
export function setDefaultBackend(name: string): void {
  defaultBackend = getBackend(name);
}

/** The kernel for an op on a backend, or undefined. Plugin kernels override built-in ones. */
export function findKernel(op: string, backend: BackendImpl): AnyKernel | undefined {
  return extraKernels.get(backend.name)?.get(op) ?? backend.kernels[op];
}

/** Backends (started or with plugin kernels) that have a kernel for `op`. */
export function kernelsFor(op: string): string[] {
  const names = new Set<string>();
  for (const [name, impl] of started) if (impl.kernels[op]) names.add(name);
  for (const [name, table] of extraKernels) if (table.has(op)) names.add(name);
  return [...names].sort();
}

/** The error for a missing kernel: names the op, the backend and who has it. */
export function missingKernel(op: string, backend: string): KernelNotFoundError {
  const have = kernelsFor(op);
  return new KernelNotFoundError(
    `op '${op}' has no kernel on backend '${backend}'` +
      (have.length ? ` (backends that have it: ${have.join(', ')}). ` : ' (no started backend has it). ') +
      `Install a plugin that provides it with use(...), or move the inputs with t.to('${have[0] ?? 'cpu'}').`,
  );
}

/** Disposes every started backend and forgets all plugins (tests). */
export function resetRegistry(): void {
  for (const impl of started.values()) impl.dispose?.();
  started.clear();
  backendPlugins.clear();
  extraKernels.clear();
  warnedTargets.clear();
  defaultBackend = null;
}
