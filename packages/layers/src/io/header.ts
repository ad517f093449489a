import { DataError } from '@tessera/core';
import { type SafetensorsDType, wireType } from './wire.js';

/**
 * The largest header accepted (100 MB, the reference implementation's limit): a bigger
 * length prefix means a corrupt file or not a safetensors file at all.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as the header describes it. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Byte range `[begin, end)` within the data buffer that follows the header. */
  readonly dataOffsets: readonly [number, number];
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** Tensors in file order (by offset). */
  readonly entries: readonly SafetensorsEntry[];
  /** The `__metadata__` strings (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data buffer within the file: 8 + the header length. */
  readonly dataStart: number;
}

const fail = (what: string): never => {
  throw new DataError(`safetensors: ${what}`);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseEntry(name: string, v: unknown): SafetensorsEntry {
  const where = `tensor '${name}'`;
  if (!isObject(v)) return fail(`${where}: expected an object {dtype, shape, data_offsets} but got ${JSON.stringify(v)}.`);
  const { dtype, shape, data_offsets: offsets } = v;
  const wire = typeof dtype === 'string' ? wireType(dtype) : undefined;
  if (!wire) return fail(`${where}: unknown dtype ${JSON.stringify(dtype)}.`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    return fail(`${where}: shape must be an array of non-negative integers but is ${JSON.stringify(shape)}.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    return fail(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end but is ${JSON.stringify(offsets)}.`);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytes = elements * wire.bytes;
  const span = offsets[1] - offsets[0];
  if (!Number.isSafeInteger(bytes) || bytes !== span) {
    return fail(
      `${where}: shape [${shape.join(', ')}] of ${wire.name} needs ${bytes} bytes but data_offsets [${offsets[0]}, ${offsets[1]}] span ` +
        `${span}.`,
    );
  }
  return { name, dtype: wire.name, shape: shape as number[], dataOffsets: [offsets[0], offsets[1]] };
}

function parseMetadata(v: unknown): Record<string, string> {
  if (!isObject(v)) return fail(`__metadata__ must be an object of strings but is ${JSON.stringify(v)}.`);
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string') fail(`__metadata__ value of '${k}' must be a string but is ${JSON.stringify(s)}.`);
  }
  return { ...(v as Record<string, string>) };
}

/** Reads the 8-byte little-endian length prefix and the JSON it announces. */
function readJson(bytes: Uint8Array): { json: unknown; dataStart: number } {
  if (bytes.length < 8)
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix: truncated or not a safetensors file.`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length prefix says ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit: corrupt or not a safetensors file.`);
  }
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    fail(
      `header says ${headerLen} bytes but file has ${bytes.length - 8} after the 8-byte length prefix (${bytes.length} bytes in all): ` +
        `the file is truncated.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail(`the ${headerLen}-byte header is not valid UTF-8: corrupt file.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`the ${headerLen}-byte header is not valid JSON (${(e as Error).message}): corrupt file.`);
  }
  return { json, dataStart: 8 + headerLen };
}

/**
 * Parses and validates a safetensors header: the length prefix (at most 100 MB, within the
 * file), UTF-8 JSON, each tensor's dtype, shape and offsets (span = elements × element
 * size), and that the tensors tile the data buffer exactly: sorted by offset they start at
 * 0, follow each other with no gap or overlap, and the last one ends at the end of the
 * file. Every violation throws a `DataError` naming the tensor and the numbers involved.
 *
 * @example
 * const { entries, metadata } = readSafetensorsHeader(bytes);
 * entries.map((e) => `${e.name} ${e.dtype} [${e.shape}]`);
 */
export function readSafetensorsHeader(input: Uint8Array | ArrayBufferLike): SafetensorsHeader {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { json, dataStart } = readJson(bytes);
  if (!isObject(json)) return fail(`header must be a JSON object but is ${Array.isArray(json) ? 'an array' : String(json)}.`);
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(v);
    else entries.push(parseEntry(name, v));
  }
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  const dataLen = bytes.length - dataStart;
  let end = 0;
  let prev = '';
  for (const e of entries) {
    const [b, f] = e.dataOffsets;
    if (b < end) fail(`tensor '${e.name}' (bytes ${b}–${f}) overlaps tensor '${prev}' (which ends at byte ${end}).`);
    if (b > end) fail(`bytes ${end}–${b} of the data buffer belong to no tensor (gap before '${e.name}'): corrupt header.`);
    if (f > dataLen) {
      fail(
        `tensor '${e.name}' ends at byte ${f} of the data buffer but the file holds only ${dataLen} data bytes (${bytes.length} bytes in ` +
          `all): the file is truncated.`,
      );
    }
    end = f;
    prev = e.name;
  }
  if (end !== dataLen)
    fail(`${dataLen - end} bytes follow the last tensor (data buffer is ${dataLen} bytes, tensors cover ${end}): corrupt file.`);
  return { entries, metadata, dataStart };
}
