import { DataError } from '@tessera/core';

const BLOCK = 512;

function field(bytes: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && bytes[end] !== 0) end++;
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function octal(bytes: Uint8Array, off: number, len: number, file: string, what: string): number {
  const text = field(bytes, off, len).trim();
  if (!/^[0-7]*$/.test(text))
    throw new DataError(`${file}: tar header field '${what}' is '${text}', not an octal number; the archive is damaged: fetch it again.`);
  return text === '' ? 0 : parseInt(text, 8);
}

/**
 * Reads the regular files of an (uncompressed) tar archive: POSIX ustar and GNU tar, as
 * `cifar-10-binary.tar.gz` uses. Returns path → bytes (views into `bytes`, no copy).
 * Header checksums, sizes and the end of the archive are checked; a damaged or truncated
 * archive is a `DataError` naming `file`.
 */
export function parseTar(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let off = 0;
  let longName: string | undefined;
  for (;;) {
    if (off + BLOCK > bytes.length) {
      throw new DataError(`${file}: tar archive is truncated at byte ${bytes.length} (no end-of-archive block); fetch it again.`);
    }
    const header = bytes.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) return out;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
    const stored = octal(header, 148, 8, file, 'checksum');
    if (stored !== sum) {
      throw new DataError(
        `${file}: tar header at byte ${off} has checksum ${stored} but its bytes sum to ${sum}; this is not a tar archive or it is ` +
          `damaged: fetch it again.`,
      );
    }
    const size = octal(header, 124, 12, file, 'size');
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const start = off + BLOCK;
    if (start + size > bytes.length) {
      throw new DataError(`${file}: tar entry '${name}' needs ${size} bytes but the archive ends ${bytes.length - start} bytes later; it ` +
        `is truncated: fetch it again.`);
    }
    const body = bytes.subarray(start, start + size);
    if (type === 'L') longName = field(body, 0, body.length);
    else if (type === '0' || type === '7') out.set(name, body);
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** Writes files as a ustar archive (for tests and for packing datasets). Names up to 100 bytes. */
export function encodeTar(files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>): Uint8Array {
  const entries = files instanceof Map ? [...files.entries()] : Object.entries(files);
  const size = entries.reduce((s, [, b]) => s + BLOCK + Math.ceil(b.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let off = 0;
  const put = (text: string, at: number): void => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  for (const [name, body] of entries) {
    if (name.length > 100) throw new DataError(`encodeTar: name '${name}' is longer than 100 bytes.`);
    put(name, off);
    put('0000644\0', off + 100);
    put('0000000\0', off + 108);
    put('0000000\0', off + 116);
    put(`${body.length.toString(8).padStart(11, '0')}\0`, off + 124);
    put('00000000000\0', off + 136);
    put('0', off + 156);
    put('ustar\x0000', off + 257);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : out[off + i];
    put(`${sum.toString(8).padStart(6, '0')}\0 `, off + 148);
    out.set(body, off + BLOCK);
    off += BLOCK + Math.ceil(body.length / BLOCK) * BLOCK;
  }
  return out;
}
