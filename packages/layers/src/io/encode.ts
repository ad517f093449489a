import { BYTES_PER_ELEMENT, DataError, type Tensor, type TypedArray, isTensor } from '@tessera/core';
import type { StateDict } from '../state.js';
import { Buffer } from '../buffer.js';
import { HOST_IS_LITTLE_ENDIAN, bytesOf, swapBytes } from './bytes.js';
import { type SafetensorsDType, WRITE_TYPE, wireType } from './wire.js';

/** `__metadata__` of a safetensors file: free-form strings (`{ format: 'pt' }` is common). */
export type SafetensorsMetadata = Readonly<Record<string, string>>;

interface Placed {
  readonly name: string;
  readonly tensor: Tensor;
  /** Its type in the file (I64 for a buffer stored wider than its int32 dtype). */
  readonly wire: SafetensorsDType;
  /** Absolute byte offset of the tensor's data in the file. */
  readonly at: number;
}

/** Orders strings by Unicode code point, as Rust's `str` ordering (UTF-8 bytes) does. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const jsonObject = (pairs: readonly [string, string][]): string => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

/**
 * Lays the file out as the reference writer does: tensors by descending dtype alignment,
 * then by name; the header lists `__metadata__` first, then the tensors in file order,
 * compact JSON padded with spaces so the data starts on an 8-byte boundary. The JSON is
 * assembled by hand because JavaScript objects would move integer-like keys ("0") first.
 */
function layout(dict: Readonly<StateDict>, metadata: SafetensorsMetadata | undefined): { file: Uint8Array; placed: Placed[] } {
  const items = Object.entries(dict).map(([name, t]) => {
    if (name === '__metadata__') throw new DataError(`encodeSafetensors: '__metadata__' is reserved and cannot name a tensor.`);
    if (!isTensor(t)) throw new DataError(`encodeSafetensors: '${name}' is not a tensor (${String(t)}).`);
    const wire = t instanceof Buffer && t.storeAs !== undefined ? t.storeAs : WRITE_TYPE[t.dtype];
    if (wire === undefined)
      throw new DataError(`encodeSafetensors: '${name}' has dtype ${t.dtype}, which has no safetensors mapping here.`);
    return { name, t, wire };
  });
  items.sort((a, b) => wireType(b.wire)!.rank - wireType(a.wire)!.rank || byCodePoint(a.name, b.name));
  const pairs: [string, string][] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(byCodePoint);
    for (const k of keys) {
      if (typeof metadata[k] !== 'string')
        throw new DataError(`encodeSafetensors: metadata '${k}' must be a string but is ${typeof metadata[k]}.`);
    }
    pairs.push(['__metadata__', jsonObject(keys.map((k) => [k, JSON.stringify(metadata[k])]))]);
  }
  let offset = 0;
  const spans = items.map(({ name, t, wire }) => {
    const begin = offset;
    offset += t.size * wireType(wire)!.bytes;
    pairs.push([name, `{"dtype":"${wire}","shape":${JSON.stringify(t.shape)},"data_offsets":[${begin},${offset}]}`]);
    return begin;
  });
  const json = new TextEncoder().encode(jsonObject(pairs));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const file = new Uint8Array(8 + headerLen + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerLen), true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.length, 8 + headerLen);
  const placed = items.map(({ name, t, wire }, i) => ({ name, tensor: t, wire, at: 8 + headerLen + spans[i] }));
  return { file, placed };
}

/** Copies one tensor's values into the file as little-endian bytes (bit for bit). */
function put(file: Uint8Array, p: Placed, values: TypedArray): void {
  if (p.wire === 'I64') {
    const view = new DataView(file.buffer, file.byteOffset + p.at, values.length * 8);
    for (let i = 0; i < values.length; i++) view.setBigInt64(8 * i, BigInt(values[i]), true);
    return;
  }
  const size = BYTES_PER_ELEMENT[p.tensor.dtype];
  file.set(bytesOf(values), p.at);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(file.subarray(p.at, p.at + values.length * size), size);
}

/**
 * Serialises named tensors to the safetensors format (Hugging Face's; what
 * `safetensors.torch.save_file` writes), synchronously: for backends that can read back
 * synchronously (CPU). float32 → F32, float64 → F64, int32 → I32 (I64 for a buffer that
 * says `storeAs: 'I64'`, as BatchNorm's `num_batches_tracked`), bool → BOOL, values
 * copied bit for bit (NaN payloads, −0 and subnormals survive). On other backends use
 * `encodeSafetensorsAsync`.
 *
 * @param metadata - optional `__metadata__` strings, e.g. `{ format: 'pt' }`.
 * @example
 * const bytes = encodeSafetensors(model.stateDict(), { format: 'pt' });
 */
export function encodeSafetensors(dict: Readonly<StateDict>, metadata?: SafetensorsMetadata): Uint8Array {
  const { file, placed } = layout(dict, metadata);
  for (const p of placed) put(file, p, p.tensor.dataSync());
  return file;
}

/**
 * `encodeSafetensors` for any backend: reads each tensor with `await t.data()` (GPU
 * readback), one at a time, straight into the output buffer.
 *
 * @example
 * const bytes = await encodeSafetensorsAsync(model.stateDict());
 */
export async function encodeSafetensorsAsync(dict: Readonly<StateDict>, metadata?: SafetensorsMetadata): Promise<Uint8Array> {
  const { file, placed } = layout(dict, metadata);
  for (const p of placed) put(file, p, await p.tensor.data());
  return file;
}
