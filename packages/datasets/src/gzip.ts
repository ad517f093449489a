import { DataError } from '@tessera/core';

/** True when `bytes` start with the gzip magic (0x1f 0x8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** @internal `bytes` itself when backed by an ArrayBuffer, else a copy (Blob and Web Crypto take no SharedArrayBuffer views). */
export function plainBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

/** Default of `InflateLimits.maxBytes`: 1 GiB (CIFAR-10's archive inflates to 185 MB, MNIST's largest file to 47 MB). */
export const MAX_INFLATED_BYTES = 2 ** 30;

/** How far a gzipped file may inflate: checked while inflating, so a gzip bomb is stopped early. */
export interface InflateLimits {
  /** Most bytes the file may inflate to (default `MAX_INFLATED_BYTES`). */
  readonly maxBytes?: number;
  /**
   * The size the format declares, from the first bytes of the inflated data (e.g.
   * `idxByteSize`); undefined when they do not tell. Inflating past it is an error.
   */
  readonly expectedBytes?: (head: Uint8Array) => number | undefined;
}

/** @internal Inflated bytes handed to `expectedBytes` (enough for any header Tessera reads). */
export const INFLATE_HEAD_BYTES = 1024;

/** @internal The limit for a file whose inflated data starts with `head`, and the words that explain it. */
export function inflateLimit(head: Uint8Array | undefined, limits: InflateLimits = {}): { bytes: number; why: string } {
  const max = limits.maxBytes ?? MAX_INFLATED_BYTES;
  const expected = head && limits.expectedBytes?.(head);
  if (expected !== undefined && expected <= max) return { bytes: expected, why: `the ${expected} bytes its header declares` };
  return { bytes: max, why: `the limit of ${max} bytes (maxBytes)` };
}

/** @internal The DataError of a file that inflates past its limit. */
export function inflatedTooFar(file: string, limit: { bytes: number; why: string }): DataError {
  return new DataError(
    `${file}: inflates to more than ${limit.why}; it is damaged or not the file it claims to be: delete it and fetch a fresh copy.`,
  );
}

/** Reads an inflating stream, stopping (a DataError) as soon as it passes its limit. */
async function readLimited(stream: ReadableStream<Uint8Array>, file: string, limits: InflateLimits): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit: { bytes: number; why: string } | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    if (!limit && total >= INFLATE_HEAD_BYTES) limit = inflateLimit(concat(chunks, total).subarray(0, INFLATE_HEAD_BYTES), limits);
    if (limit && total > limit.bytes) {
      await reader.cancel().catch(() => undefined);
      throw inflatedTooFar(file, limit);
    }
  }
  const out = concat(chunks, total);
  limit ??= inflateLimit(out, limits);
  if (total > limit.bytes) throw inflatedTooFar(file, limit);
  return out;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Deno, Node
 * ≥ 18), so it works without Node's zlib. Bytes that are not gzip are returned as they are.
 * A damaged or truncated stream, or one that inflates past `limits`, is a `DataError`
 * naming `file`.
 */
export async function gunzip(bytes: Uint8Array, file: string, limits: InflateLimits = {}): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream === 'undefined') {
    throw new DataError(`${file}: is gzip-compressed and this runtime has no DecompressionStream; decompress it first (gunzip ${file}).`);
  }
  try {
    return await readLimited(new Blob([plainBuffer(bytes)]).stream().pipeThrough(new DecompressionStream('gzip')), file, limits);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      `${file}: is a damaged gzip file (${(e as Error).message}); it is probably truncated: delete it and fetch a fresh copy.`,
    );
  }
}
