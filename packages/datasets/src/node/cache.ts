import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatasetSource } from '../resources.js';

/**
 * The directory datasets are cached in: `TESSERA_DATA_DIR` when set, else the user cache
 * directory — `$XDG_CACHE_HOME/tessera` or `~/.cache/tessera` on Linux,
 * `~/Library/Caches/tessera` on macOS, `%LOCALAPPDATA%\tessera\Cache` on Windows.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.TESSERA_DATA_DIR) return resolve(env.TESSERA_DATA_DIR);
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'tessera', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'tessera');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'tessera');
}

/** Where one dataset's files are cached: `<dataDir>/<source.id>`. */
export function datasetCacheDir(source: DatasetSource, dataDir?: string): string {
  return join(dataDir ? resolve(dataDir) : defaultDataDir(), source.id);
}
