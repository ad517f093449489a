import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '@tessera/train/node';
import { CliError } from '../errors.js';

/** The lock file in a run directory. */
export const LOCK_FILE = 'run.lock';

/** What the lock file records about the process that owns the run directory. */
export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly started: string;
  readonly command: readonly string[];
}

/** A held lock; `release()` removes the file if this process still owns it (idempotent, sync). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

function parse(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    return typeof v.pid === 'number' && typeof v.hostname === 'string' ? (v as LockInfo) : null;
  } catch {
    return null;
  }
}

/** True when the lock's owner is certainly gone: a dead pid on this host, or an unreadable lock. */
function isStale(info: LockInfo | null): boolean {
  return info === null || (info.hostname === hostname() && !processAlive(info.pid));
}

async function create(path: string, info: LockInfo): Promise<boolean> {
  try {
    // 'wx' = O_CREAT | O_EXCL: fails if the file (or a symbolic link) exists, so one process wins.
    const h = await open(path, 'wx');
    try {
      await h.writeFile(`${JSON.stringify(info)}\n`);
    } finally {
      await h.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CliError(`--out ${join(path, '..')}: cannot create the lock file ${path} ` +
      `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable run directory.`);
  }
}

/**
 * Takes ownership of run directory `dir` with a lock file recording this process (pid,
 * hostname, start time, command). A lock left by a process that no longer exists on this
 * host is taken over (`onStale` hears about it); a live owner, or one on another host, is
 * a `CliError` that names it.
 */
export async function acquireRunLock(dir: string, command: readonly string[], onStale: (info: LockInfo | null) => void): Promise<RunLock> {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, hostname: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await create(path, mine)) {
      return {
        path,
        release: () => {
          let owner: LockInfo | null = null;
          try {
            owner = parse(readFileSync(path, 'utf8'));
          } catch {
            return;
          }
          if (owner?.pid === mine.pid && owner.hostname === mine.hostname) rmSync(path, { force: true });
        },
      };
    }
    const info = parse(await readFile(path, 'utf8').catch(() => ''));
    if (!isStale(info)) {
      const o = info as LockInfo;
      throw new CliError(
        `--out ${dir} is in use by another tessera run (pid ${o.pid} on ${o.hostname}, started ${o.started}: ${o.command.join(' ')}); ` +
          `wait for it to finish or choose another --out.` +
          (o.hostname === hostname() ? '' : ` If that run is gone, delete ${path}.`),
      );
    }
    onStale(info);
    await rm(path, { force: true });
  }
  throw new CliError(`--out ${dir}: another process took the lock ${path} at the same moment; choose another --out.`);
}
