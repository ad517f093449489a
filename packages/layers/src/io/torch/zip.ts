import { DataError } from '@tessera/core';

/** One member of a zip archive: its name and its (stored, uncompressed) bytes. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when `bytes` start like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads the entries of a zip archive as PyTorch writes it (every member stored, not
 * compressed, each aligned by padding in the local extra field) from its central
 * directory. Views, not copies. A compressed member, a ZIP64 archive or a damaged
 * structure is a `DataError` naming `file`.
 */
export function readZip(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): never => {
    throw new DataError(`${file}: not a readable PyTorch zip checkpoint: ${why}.`);
  };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record (truncated file?)');
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  let at = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || at === 0xffffffff)
    bad('ZIP64 archives (over 4 GiB or 65,535 members) are not supported');
  if (at + dirSize > bytes.length) bad('the central directory lies past the end of the file (truncated file?)');
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) bad(`central directory entry ${k} is damaged`);
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    if (method !== 0) bad(`member '${name}' is compressed (method ${method}); torch.save stores members uncompressed`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) bad(`member '${name}' has no local header at byte ${local}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.length) bad(`member '${name}' runs past the end of the file (truncated file?)`);
    entries.set(name, { name, data: bytes.subarray(start, start + size) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
