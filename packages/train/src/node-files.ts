import { constants } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '@tessera/core';

const NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

/**
 * Writes (`'write'`: replaces the contents) or appends text to a file, refusing to follow a
 * symbolic link at `path`: a run never writes through a link planted in its directory.
 * Errors are `DataError`s naming the file.
 */
export async function writeTextNoFollow(path: string, text: string, how: 'write' | 'append' = 'write'): Promise<void> {
  let h;
  try {
    h = await open(path, NO_FOLLOW | (how === 'append' ? constants.O_APPEND : constants.O_TRUNC));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new DataError(
        `${path} is a symbolic link; tessera does not write through links — remove it (or choose another run directory).`,
      );
    throw new DataError(`${path}: cannot write (${(e as Error).message}).`);
  }
  try {
    await h.writeFile(text);
  } finally {
    await h.close();
  }
}

// The temporary names of @tessera/layers' writeFileAtomic: `.<name>.<pid>.<12 hex>.tmp`.
const TEMP = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** True while a process with this id exists (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that an atomic save killed midway left in `dir` (those of
 * processes that no longer exist; a live process may still be writing its own). Returns
 * the names removed; a missing directory has none.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const m = TEMP.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]));
  });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale;
}
