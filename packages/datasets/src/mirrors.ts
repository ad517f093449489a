import { DataError } from '@tessera/core';
import { mirrorUrl, type DatasetSource, type FileChecksum } from './resources.js';

/** Progress of one file transfer, reported while it downloads. */
export interface DownloadProgress {
  /** The file name (e.g. `train-images-idx3-ubyte.gz`). */
  readonly file: string;
  readonly url: string;
  /** Bytes received so far. */
  readonly loaded: number;
  /** Expected bytes, when known. */
  readonly total?: number;
}

/** Actual size and digests of received bytes (only those computed). */
export interface Digests {
  readonly size: number;
  readonly sha256?: string;
  readonly md5?: string;
}

/** Why received bytes are not the expected file, or undefined when they match. */
export function checksumMismatch(expected: FileChecksum, got: Digests): string | undefined {
  if (got.size !== expected.size) return `got ${got.size} bytes, expected ${expected.size}`;
  if (got.sha256 !== undefined && got.sha256 !== expected.sha256.toLowerCase()) {
    return `SHA-256 mismatch: got ${got.sha256}, expected ${expected.sha256}`;
  }
  if (got.md5 !== undefined && expected.md5 !== undefined && got.md5 !== expected.md5.toLowerCase()) {
    return `MD5 mismatch: got ${got.md5}, expected ${expected.md5}`;
  }
  return undefined;
}

/** Fails early when the server announces a different size than the published one. */
export function checkAnnounced(res: Response, expected: FileChecksum): void {
  const announced = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && !res.headers.get('content-encoding') && announced !== expected.size) {
    throw new Error(`the server announces ${announced} bytes, expected ${expected.size}`);
  }
}

/** The URLs of `file` on each mirror, in order. */
export function fileUrls(mirrors: readonly string[], file: string): string[] {
  return mirrors.map((m) => mirrorUrl(m, file));
}

/** The expected checksum of `file` in `source` (or the override), or a DataError. */
export function expectedChecksum(source: DatasetSource, file: string, overrides?: Readonly<Record<string, FileChecksum>>): FileChecksum {
  const c = overrides?.[file] ?? source.files[file];
  if (!c) throw new DataError(`${source.title}: no checksum is listed for ${file}; pass checksums: { '${file}': { size, sha256 } }.`);
  return c;
}

/**
 * Calls `attempt(url)` for each URL in order until one succeeds. When all fail, throws a
 * `DataError` that names `file`, every URL tried with its reason, and `fix` (how to place
 * the file by hand).
 */
export async function tryMirrors<T>(
  file: string,
  urls: readonly string[],
  attempt: (url: string) => Promise<T>,
  fix: string,
  signal?: AbortSignal,
): Promise<T> {
  if (urls.length === 0) throw new DataError(`${file}: no mirror to download from; ${fix}`);
  const failures: string[] = [];
  for (const url of urls) {
    try {
      return await attempt(url);
    } catch (e) {
      if (signal?.aborted) throw e; // the caller cancelled: no more mirrors
      failures.push(`${url} (${(e as Error).message})`);
    }
  }
  throw new DataError(`${file}: could not be downloaded; tried ${failures.join(', ')}. ${fix}`);
}

/** An HTTP failure as a short reason. */
export function httpReason(status: number, statusText: string): string {
  return `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
}

/** Bytes as a short human size (e.g. `9.9 MB`). */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
