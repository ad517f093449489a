import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { copyFile, constants, link, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '@tessera/core';
import { checkAnnounced, checksumMismatch, fileUrls, httpReason, tryMirrors, type DownloadProgress } from '../mirrors.js';
import type { FileChecksum } from '../resources.js';
import { progressSink } from './progress.js';

/** How files are downloaded. */
export interface DownloadOptions {
  /**
   * Progress: `true` draws a bar on stderr, `false` nothing, a function receives each
   * update. Default: a bar when stderr is a terminal.
   */
  readonly progress?: boolean | ((p: DownloadProgress) => void);
  /** Cancels the download (no further mirror is tried). */
  readonly signal?: AbortSignal;
  /** Give up on a mirror after this many milliseconds without data (default 30,000). */
  readonly timeoutMs?: number;
  /** The fetch to use (default: Node's global fetch). */
  readonly fetch?: typeof fetch;
  /**
   * Told when a file that was already at the destination is kept aside under another name
   * because a verified download replaced it (default: `console.warn`).
   */
  readonly notice?: (message: string) => void;
}

/** Options of `downloadFile`. */
export interface DownloadFileOptions extends DownloadOptions {
  /** What the error says to do when every mirror fails (default: put the file at its path by hand). */
  readonly manualFix?: string;
}

const STALE_MS = 60 * 60 * 1000;

/** Removes `.name.*.part` files left by a crashed process more than an hour ago. */
function removeStaleParts(dir: string, file: string): void {
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(`.${file}.`) || !entry.endsWith('.part')) continue;
    const p = join(dir, entry);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { force: true });
    } catch {
      // another process removed or renamed it meanwhile
    }
  }
}

/**
 * Checks that a file name from a remote list (a mirror's file, an archive member) names a
 * file in the directory and nothing else: no path separator, no `.` or `..`, no NUL.
 */
function checkFileName(file: string, where: string): void {
  if (file === '' || file === '.' || file === '..' || /[/\\\0]/.test(file)) {
    throw new DataError(
      `${where}: the file name ${JSON.stringify(file)} is not a plain file name; names from remote sources may not hold '/', '\\', '..' ` +
        `or NUL, so nothing is written outside the directory.`,
    );
  }
}

/** The first free `<dest>.mismatch-<n>` (n = 1, 2, …). */
function asideName(dest: string): string {
  for (let n = 1; ; n++) if (!existsSync(`${dest}.mismatch-${n}`)) return `${dest}.mismatch-${n}`;
}

/**
 * Puts the verified `tmp` at `dest`. A file already at `dest` (placed by the user, or
 * damaged) is kept: first linked (or copied) to `<dest>.mismatch-<n>`, then the rename
 * replaces `dest` atomically, so at no moment is `dest` missing or the old file lost.
 */
async function replaceKeeping(tmp: string, dest: string, notice: (message: string) => void): Promise<void> {
  if (!existsSync(dest)) {
    await rename(tmp, dest);
    return;
  }
  const aside = asideName(dest);
  await link(dest, aside).catch(() => copyFile(dest, aside, constants.COPYFILE_EXCL));
  await rename(tmp, dest);
  notice(`${dest}: did not match the published file; it was kept as ${aside} and the verified download put in its place.`);
}

/** One attempt: stream `url` into `tmp`, hashing as it goes, then verify and rename to `dest`. */
async function fetchToFile(
  url: string,
  file: string,
  tmp: string,
  dest: string,
  expected: FileChecksum,
  opts: DownloadOptions,
): Promise<void> {
  const ctrl = new AbortController();
  const onAbort = (): void => ctrl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      ctrl.abort();
    }, timeoutMs);
  };
  const sink = progressSink(opts.progress);
  const fh = await open(tmp, 'wx');
  let ok = false;
  try {
    arm();
    // identity: a server must not re-encode the bytes whose checksum is checked
    const res = await (opts.fetch ?? fetch)(url, { signal: ctrl.signal, headers: { 'accept-encoding': 'identity' } });
    if (!res.ok || !res.body) throw new Error(httpReason(res.status, res.statusText));
    checkAnnounced(res, expected);
    const sha256 = createHash('sha256');
    const md5 = expected.md5 ? createHash('md5') : undefined;
    let loaded = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      arm();
      loaded += chunk.length;
      if (loaded > expected.size) throw new Error(`more than the expected ${expected.size} bytes`);
      sha256.update(chunk);
      md5?.update(chunk);
      await fh.write(chunk);
      sink?.update({ file, url, loaded, total: expected.size });
    }
    const why = checksumMismatch(expected, { size: loaded, sha256: sha256.digest('hex'), md5: md5?.digest('hex') });
    if (why) throw new Error(why);
    await fh.sync();
    await fh.close();
    // atomic: readers see the old file or the whole, verified one; the old one is kept aside
    await replaceKeeping(tmp, dest, opts.notice ?? ((m) => console.warn(m)));
    ok = true;
  } catch (e) {
    if (idle) throw new Error(`no data for ${timeoutMs / 1000} s`);
    if (opts.signal?.aborted) throw e;
    const cause = (e as Error & { cause?: Error }).cause;
    throw new Error(cause?.message ? `${(e as Error).message}: ${cause.message}` : (e as Error).message);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    sink?.end(ok);
    if (!ok) {
      ctrl.abort(); // releases the connection of a response that was not read to the end
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }
}

/**
 * Downloads `file` into `dir` from the first of `mirrors` (base URLs) that serves it
 * intact, and returns its path. Each attempt streams into a temporary `.file.*.part` in
 * `dir`, checks the size, SHA-256 and MD5 (when listed) against `expected`, and only then
 * renames it into place, atomically; a failed attempt deletes its temporary file, so the
 * cache never holds a partial or unverified file. A file already at `dir/file` is never
 * deleted: it stays as it is when the download fails, and is kept as
 * `file.mismatch-<n>` (and named through `notice`) once a verified copy replaces it. When
 * every mirror fails, a `DataError` names the file, each URL with its reason, and how to
 * place the file by hand. `file` must be a plain name (no '/', '\\' or '..': a DataError).
 */
export async function downloadFile(
  file: string,
  dir: string,
  mirrors: readonly string[],
  expected: FileChecksum,
  opts: DownloadFileOptions = {},
): Promise<string> {
  checkFileName(file, 'downloadFile');
  mkdirSync(dir, { recursive: true });
  removeStaleParts(dir, file);
  const dest = join(dir, file);
  const fix = opts.manualFix ?? `Download it by hand and put it at ${dest}.`;
  await tryMirrors(
    file,
    fileUrls(mirrors, file),
    (url) => fetchToFile(url, file, join(dir, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`), dest, expected, opts),
    fix,
    opts.signal,
  );
  return dest;
}
