import { DataError, type DType, type Tensor, type TypedArray, fromArray, getBackend } from '@tessera/core';
import type { StateDict } from '../state.js';
import { halfToSingleBits, hostOrderCopy } from './bytes.js';
import { type SafetensorsEntry, readSafetensorsHeader } from './header.js';
import { READABLE, type SafetensorsDType, wireType } from './wire.js';

/** Options of `decodeSafetensors`. */
export interface DecodeOptions {
  /** Backend to create the tensors on; default: the default backend. */
  readonly backend?: string;
}

/** What a safetensors file holds. */
export interface DecodedSafetensors {
  /** The tensors by name (new tensors: the caller owns them and disposes them). */
  readonly tensors: StateDict;
  /** The `__metadata__` strings (empty when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Each tensor's dtype in the file (F16 → float32, I64 → int32, … show up here). */
  readonly dtypes: Readonly<Record<string, SafetensorsDType>>;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The values of one tensor as the typed array of its Tessera dtype. */
function values(e: SafetensorsEntry, raw: Uint8Array): TypedArray {
  const wire = wireType(e.dtype)!;
  const n = raw.length / wire.bytes;
  const how = wire.decode;
  if (how === null || wire.into === null) {
    throw new DataError(`safetensors: tensor '${e.name}' is ${e.dtype}, which Tessera cannot read (readable: ${READABLE.join(', ')}).`);
  }
  if (how === 'copy') {
    const buf = hostOrderCopy(raw, wire.bytes);
    if (wire.into === 'bool') {
      const b = new Uint8Array(buf);
      const bad = b.findIndex((v) => v > 1);
      if (bad >= 0)
        throw new DataError(`safetensors: BOOL tensor '${e.name}' holds byte ${b[bad]} at element ${bad}; booleans must be 0 or 1.`);
      return b;
    }
    return wire.into === 'float64' ? new Float64Array(buf) : wire.into === 'int32' ? new Int32Array(buf) : new Float32Array(buf);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (how === 'half' || how === 'bfloat') {
    // Written as float32 bit patterns, so the widening is exact down to NaN payloads.
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const h = view.getUint16(2 * i, true);
      bits[i] = how === 'half' ? halfToSingleBits(h) : h << 16;
    }
    return new Float32Array(bits.buffer);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(how(view, i * wire.bytes));
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new DataError(
        `safetensors: ${e.dtype} tensor '${e.name}' holds ${how(view, i * wire.bytes)} at element ${i}, outside int32 (Tessera's integer ` +
          `dtype).`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Reads a safetensors file (Hugging Face's format, as written by
 * `safetensors.torch.save_file` or `encodeSafetensors`) from bytes, in Node or the browser.
 * The header is validated first (see `readSafetensorsHeader`); corrupt or truncated input
 * throws a `DataError` that says what is wrong. F32/F64/I32/BOOL load as
 * float32/float64/int32/bool bit for bit; F16 and BF16 widen exactly to float32; I8, U8,
 * I16, U16, U32, I64, U64 narrow to int32 (an out-of-range value is a `DataError`), so
 * PyTorch's `num_batches_tracked` (I64) loads.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function decodeSafetensors(input: Uint8Array | ArrayBufferLike, opts: DecodeOptions = {}): DecodedSafetensors {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const header = readSafetensorsHeader(bytes);
  // Convert everything before creating any tensor, so a bad tensor leaks nothing.
  const arrays = header.entries.map((e) =>
    values(e, bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1])),
  );
  const backend = opts.backend === undefined ? undefined : getBackend(opts.backend);
  // No prototype: a tensor named '__proto__' or 'constructor' is just a key.
  const tensors: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  const dtypes: Record<string, SafetensorsDType> = Object.create(null) as Record<string, SafetensorsDType>;
  header.entries.forEach((e, i) => {
    tensors[e.name] = fromArray(arrays[i], e.shape, wireType(e.dtype)!.into as DType, backend);
    dtypes[e.name] = e.dtype;
  });
  return { tensors, metadata: header.metadata, dtypes };
}
