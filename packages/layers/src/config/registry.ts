import { ModuleConfigError } from '../errors.js';
import type { AnyModule } from '../module.js';
import { BUILTIN_MODULES } from './builtins.js';
import type { JsonValue } from './json.js';
import type { ModuleConfig } from './record.js';

/** Rebuilds nested modules (for containers whose arguments hold configs, like `Sequential`). */
export type BuildModule = (config: unknown, path: string) => AnyModule;

/** What `registerModule` takes: how to build the module from its recorded arguments. */
export interface ModuleFactory {
  /**
   * Builds the module from the arguments its config holds (what `describeModule`
   * recorded). `build` rebuilds nested configs; `path` locates this config in the file.
   */
  readonly fromConfig: (args: readonly JsonValue[], build: BuildModule, path: string) => AnyModule;
  /** The package that registers it, shown when a file names it and it is not registered. */
  readonly package?: string;
}

const registry = new Map<string, ModuleFactory>(Object.entries(BUILTIN_MODULES));

/**
 * Registers a module constructor under `name` (case-sensitive, as in `describeModule`) so
 * `moduleFromConfig` and `loadModel` can rebuild it. Third-party layers and model zoos call
 * this; registering an existing name replaces it.
 *
 * @example
 * registerModule('Scale', { fromConfig: ([f]) => new Scale(Number(f)), package: 'my-layers' });
 */
export function registerModule(name: string, factory: ModuleFactory): void {
  if (typeof name !== 'string' || name.trim() === '') throw new ModuleConfigError('registerModule: name must be a non-empty string.');
  if (typeof factory?.fromConfig !== 'function') throw new ModuleConfigError(`registerModule('${name}'): fromConfig must be a function.`);
  registry.set(name, factory);
}

/** Names `moduleFromConfig` can rebuild, sorted. */
export function moduleNames(): string[] {
  return [...registry.keys()].sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks that `config` has a config's shape; `path` names where it sits (`config.args[0]`). */
function checkShape(config: unknown, path: string): ModuleConfig {
  if (!isRecord(config) || typeof config.type !== 'string' || !Array.isArray(config.args)) {
    throw new ModuleConfigError(`${path} must be { type: string, args: [...] } but is ${JSON.stringify(config)?.slice(0, 80)}.`);
  }
  if (config.from !== undefined && typeof config.from !== 'string')
    throw new ModuleConfigError(`${path}.from must be a package name (a string).`);
  return config as unknown as ModuleConfig;
}

/**
 * Builds a module from its config (`module.getConfig()`), with fresh weights. Unknown
 * names throw `ModuleConfigError` saying which package registers them (the config's
 * `from`) or listing the known ones.
 *
 * @example
 * const copy = moduleFromConfig(net.getConfig());
 * copy.loadStateDict(net.stateDict());
 */
export function moduleFromConfig(config: unknown, path = 'config'): AnyModule {
  const c = checkShape(config, path);
  const f = registry.get(c.type);
  if (f === undefined) {
    const where = c.from
      ? `it is registered by ${c.from}: install and import it and call its registration (for @tessera/models: registerZoo()) before loading`
      : `known: ${moduleNames().join(', ')}; register it with registerModule('${c.type}', { fromConfig })`;
    throw new ModuleConfigError(`${path}: unknown module '${c.type}'; ${where}.`);
  }
  try {
    return f.fromConfig(c.args, moduleFromConfig, `${path}.args`);
  } catch (e) {
    if (e instanceof ModuleConfigError && e.message.startsWith(path)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModuleConfigError(`${path}: ${c.type}(${JSON.stringify(c.args).slice(1, -1).slice(0, 120)}) failed: ${msg}`);
  }
}
