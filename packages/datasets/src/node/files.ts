import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { DataError } from '@tessera/core';
import { INFLATE_HEAD_BYTES, inflateLimit, inflatedTooFar, isGzip, type InflateLimits } from '../gzip.js';

/** The first inflated bytes of a gzip file (from its first KiB), or undefined when they cannot be read. */
function inflatedHead(raw: Uint8Array): Uint8Array | undefined {
  try {
    // A prefix of the stream, flushed as far as it goes: at most ~1 MB out of 1 KiB in.
    const out = gunzipSync(raw.subarray(0, INFLATE_HEAD_BYTES), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 2 ** 21 });
    return out.subarray(0, INFLATE_HEAD_BYTES);
  } catch {
    return undefined; // damaged: the full inflate below says so
  }
}

/**
 * Reads a file, gunzipping it (zlib) when it starts with the gzip magic. Errors are
 * `DataError`s naming the file. A gzip file inflates at most to `limits` (the size its
 * format declares, else 1 GiB): zlib stops as soon as it passes, so a small file that
 * would inflate to gigabytes is rejected without allocating them.
 */
export function readDataFile(path: string, limits: InflateLimits = {}): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot be read (${(e as Error).message}).`);
  }
  if (isGzip(raw)) {
    const limit = inflateLimit(inflatedHead(raw), limits);
    try {
      // One output chunk of the size the gzip trailer records (ISIZE, mod 2^32, so never
      // above the limit) saves zlib from growing and concatenating 16 KiB chunks (2–3×
      // faster on a 47 MB file).
      const isize = raw.length >= 4 ? new DataView(raw.buffer, raw.byteOffset + raw.length - 4, 4).getUint32(0, true) : 0;
      const out = gunzipSync(raw, {
        chunkSize: Math.max(64, Math.min(Math.max(isize, 64 * 1024), limit.bytes + 1, 1 << 30)),
        maxOutputLength: limit.bytes,
      });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw inflatedTooFar(path, limit);
      throw new DataError(
        `${path}: is a damaged gzip file (${(e as Error).message}); it is probably truncated: delete it and put a fresh copy there.`,
      );
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** The first of `names` that exists as a file in `dir`. */
export function findFile(dir: string, names: readonly string[]): string | undefined {
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** Size of a file in bytes, or -1 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}
