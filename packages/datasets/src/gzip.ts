import { DataError } from '@tessera/core';

/** True when `bytes` start with the gzip magic (0x1f 0x8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** @internal `bytes` itself when backed by an ArrayBuffer, else a copy (Blob and Web Crypto take no SharedArrayBuffer views). */
export function plainBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Deno, Node
 * ≥ 18), so it works without Node's zlib. Bytes that are not gzip are returned as they are.
 * A damaged or truncated stream is a `DataError` naming `file`.
 */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream === 'undefined') {
    throw new DataError(`${file}: is gzip-compressed and this runtime has no DecompressionStream; decompress it first (gunzip ${file}).`);
  }
  try {
    const stream = new Blob([plainBuffer(bytes)]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataError(
      `${file}: is a damaged gzip file (${(e as Error).message}); it is probably truncated: delete it and fetch a fresh copy.`,
    );
  }
}
