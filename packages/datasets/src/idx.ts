import { DataError } from '@tessera/core';

/** IDX magic: images (unsigned byte, 3 dims). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic: labels (unsigned byte, 1 dim). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed unsigned-byte IDX file. */
export interface IdxArray {
  readonly dims: readonly number[];
  /** A view into the input bytes (no copy). */
  readonly data: Uint8Array;
}

function fail(file: string, what: string, fix = 'the file is damaged or not an IDX file: delete it and put a fresh copy there'): never {
  throw new DataError(`${file}: ${what}; ${fix}.`);
}

/**
 * Parses an IDX file of unsigned bytes (the MNIST format; already decompressed).
 * `expectRank` checks the magic number's dimension count (3 for images, 1 for labels).
 * Nothing in the header is trusted: the magic, every dimension and the exact byte size are
 * checked, and a mismatch is a `DataError` naming `file`.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectRank?: number): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    fail(file, 'is gzip-compressed', 'decompress it first (the Node loaders in @tessera/datasets/node do this)');
  }
  if (bytes.length < 4) fail(file, `is ${bytes.length} bytes long, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >>> 8) & 0xff;
  const rank = magic & 0xff;
  if (magic >>> 16 !== 0 || type !== 0x08) {
    fail(
      file,
      `bad magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x000008NN: unsigned-byte IDX data)`,
    );
  }
  if (expectRank !== undefined && rank !== expectRank) {
    const want = expectRank === 3 ? IDX_IMAGES_MAGIC : expectRank === 1 ? IDX_LABELS_MAGIC : 0x800 + expectRank;
    fail(
      file,
      `magic number 0x${magic.toString(16).padStart(8, '0')} says ${rank} dimension(s) but 0x${want.toString(16).padStart(8, '0')} ` +
        `(${expectRank}) was expected`,
      'check that images and labels files are not swapped',
    );
  }
  if (rank === 0) fail(file, 'declares 0 dimensions');
  const header = 4 + 4 * rank;
  if (bytes.length < header) fail(file, `is truncated: ${bytes.length} bytes, the header alone needs ${header}`);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d > 0x7fffffff) fail(file, `dimension ${i} is ${d}, which is not plausible`);
    dims.push(d);
    size *= d;
  }
  if (!Number.isSafeInteger(size) || size > 2 ** 32)
    fail(file, `dimensions [${dims.join(', ')}] describe ${size} bytes, which is not plausible`);
  const expected = header + size;
  if (bytes.length < expected) {
    fail(file, `is truncated: ${bytes.length} bytes, but its header [${dims.join(', ')}] needs ${expected}`);
  }
  if (bytes.length > expected) {
    fail(file, `has ${bytes.length - expected} trailing bytes after the ${expected} its header [${dims.join(', ')}] describes`);
  }
  return { dims, data: bytes.subarray(header, expected) };
}

/**
 * The byte size an unsigned-byte IDX file declares (header + the product of its
 * dimensions), read from its first bytes; undefined when they are too few or not an IDX
 * header. Used as the inflate limit of gzipped IDX files (`IDX_LIMITS`), so a forged
 * file is stopped while it inflates, not after.
 */
export function idxByteSize(head: Uint8Array): number | undefined {
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0 || head[2] !== 0x08) return undefined;
  const rank = head[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || head.length < header) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, header);
  let size = 1;
  for (let i = 0; i < rank; i++) size *= view.getUint32(4 + 4 * i, false);
  return header + size;
}

/** Inflate limits of a gzipped IDX file: the size its header declares. */
export const IDX_LIMITS = { expectedBytes: idxByteSize } as const;

/** Parses an IDX images file: `[N, H, W]` unsigned bytes. */
export function parseIdxImages(bytes: Uint8Array, file: string): { count: number; rows: number; cols: number; data: Uint8Array } {
  const { dims, data } = parseIdx(bytes, file, 3);
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) fail(file, `images of ${rows}×${cols} pixels are empty`);
  return { count, rows, cols, data };
}

/** Parses an IDX labels file: `[N]` bytes, checked to be below `numClasses` (default 10). */
export function parseIdxLabels(bytes: Uint8Array, file: string, numClasses = 10): Int32Array {
  const { data } = parseIdx(bytes, file, 1);
  const labels = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= numClasses) fail(file, `label ${i} is ${data[i]}, outside 0..${numClasses - 1}`);
    labels[i] = data[i];
  }
  return labels;
}

/** Encodes unsigned bytes as an IDX file (for tests and for writing datasets back). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x800 + dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}
