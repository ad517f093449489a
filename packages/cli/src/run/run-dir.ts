import { type Stats, lstatSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles } from '@tessera/train/node';
import { CliError } from '../errors.js';
import { LOCK_FILE, type RunLock, acquireRunLock } from './lock.js';

/** The files `tessera train` writes into a run directory. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'last.safetensors', 'best.safetensors', 'report.html'] as const;

const stat = (path: string): Stats | null => {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
};

/** How a run starts in its directory. */
export interface RunDirOptions {
  readonly out: string;
  /** Continue the run already there. */
  readonly resume: boolean;
  /** Replace a finished run already there. */
  readonly force: boolean;
  readonly command: readonly string[];
  readonly log: (line: string) => void;
}

async function makeDir(out: string): Promise<void> {
  if (out.trim() === '') throw new CliError('--out must name a directory, not an empty string.');
  const s = stat(out);
  if (s && !statFollow(out)?.isDirectory()) {
    throw new CliError(`--out ${out} is a file, not a directory; choose a directory for the run (it is created if missing).`);
  }
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(`--out ${out}: cannot create the run directory (${code}: ` +
      `${code === 'ENOTDIR' ? 'a parent is a file' : 'no permission or a read-only file system'}); choose a writable directory.`);
  }
}

function statFollow(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/**
 * Makes `out` this process's run directory: creates it, refuses run files that are
 * symbolic links (a run never writes through one), takes the lock (`acquireRunLock`),
 * refuses a directory holding another run unless `resume` or `force` (which deletes the
 * old run's files), and removes temporary files of a save killed midway. All failures are
 * `CliError`s that say what to do.
 */
export async function claimRunDir(o: RunDirOptions): Promise<RunLock> {
  await makeDir(o.out);
  const links = [...RUN_FILES, LOCK_FILE].filter((f) => stat(join(o.out, f))?.isSymbolicLink());
  if (links.length > 0) {
    throw new CliError(`--out ${o.out}: ${links.join(', ')} ${links.length === 1 ? 'is a symbolic link' : 'are symbolic links'}; tessera ` +
      `never writes run files through links — remove ${links.length === 1 ? 'it' : 'them'} or choose another --out.`);
  }
  const lock = await acquireRunLock(o.out, o.command, (info) =>
    o.log(`Note: taking over the lock of a run that is no longer running${info ? ` (pid ${info.pid}, started ${info.started})` : ''}.`),
  );
  try {
    const present = RUN_FILES.filter((f) => stat(join(o.out, f)) !== null);
    if (present.length > 0 && !o.resume) {
      if (!o.force) {
        throw new CliError(`--out ${o.out} already holds a run (${present.join(', ')}); continue it with --resume, replace it with ` +
          `--force, or choose another --out.`);
      }
      await Promise.all(present.map((f) => rm(join(o.out, f), { force: true })));
      o.log(`Note: --force: removed the previous run's ${present.join(', ')} from ${o.out}.`);
    }
    const removed = await removeStaleTempFiles(o.out);
    if (removed.length > 0) o.log(`Note: removed ${removed.length} temporary file(s) left by an interrupted save: ${removed.join(', ')}.`);
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}
