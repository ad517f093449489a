import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from './errors.js';

/** What a plugin module exports for the CLI: a `register()` that adds its models, datasets, optimizers or backends. */
export interface CliPlugin {
  register(): void | Promise<void>;
}

const loaded = new Set<string>();

/** A module specifier as `import()` takes it: relative and absolute paths resolve against `cwd`. */
function specifier(spec: string, cwd: string): string {
  return spec.startsWith('.') || isAbsolute(spec) ? pathToFileURL(resolve(cwd, spec)).href : spec;
}

/**
 * Loads the plugins named in `TESSERA_PLUGINS` (comma-separated package names or paths) and
 * calls each one's exported `register()` (registration stays explicit: importing does
 * nothing by itself). Each plugin is loaded once per process.
 */
export async function loadPlugins(list: string | undefined, cwd: string = process.cwd()): Promise<string[]> {
  const names = (list ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (loaded.has(name)) continue;
    let mod: Partial<CliPlugin>;
    try {
      mod = (await import(specifier(name, cwd))) as Partial<CliPlugin>;
    } catch (e) {
      throw new CliError(`TESSERA_PLUGINS: cannot load '${name}' (${(e as Error).message.split('\n')[0]}); install it or fix the path.`);
    }
    if (typeof mod.register !== 'function') {
      throw new CliError(
        `TESSERA_PLUGINS: '${name}' exports no register() function; a CLI plugin exports register(), which calls registerModel / ` +
          `registerDataset.`,
      );
    }
    await mod.register();
    loaded.add(name);
  }
  return names;
}
