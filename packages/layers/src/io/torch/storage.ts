import { DataError, type DType, type TypedArray } from '@tessera/core';
import { halfToSingleBits } from '../bytes.js';

/** How one PyTorch storage type's elements are read into a Tessera dtype. */
interface StorageType {
  readonly bytes: number;
  readonly into: DType;
  /** Element i of a little-endian buffer as a number. */
  readonly read: (v: DataView, i: number) => number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The storage types a checkpoint may name (`torch.FloatStorage`, …): floats load as
 * float32/float64 (half and bfloat16 widen exactly to float32), integers narrow to int32
 * with a range check, bools stay bools.
 */
export const STORAGE_TYPES: Readonly<Record<string, StorageType>> = {
  FloatStorage: { bytes: 4, into: 'float32', read: (v, i) => v.getFloat32(4 * i, true) },
  DoubleStorage: { bytes: 8, into: 'float64', read: (v, i) => v.getFloat64(8 * i, true) },
  HalfStorage: { bytes: 2, into: 'float32', read: (v, i) => bitsToFloat(halfToSingleBits(v.getUint16(2 * i, true))) },
  BFloat16Storage: { bytes: 2, into: 'float32', read: (v, i) => bitsToFloat(v.getUint16(2 * i, true) << 16) },
  LongStorage: { bytes: 8, into: 'int32', read: (v, i) => Number(v.getBigInt64(8 * i, true)) },
  IntStorage: { bytes: 4, into: 'int32', read: (v, i) => v.getInt32(4 * i, true) },
  ShortStorage: { bytes: 2, into: 'int32', read: (v, i) => v.getInt16(2 * i, true) },
  CharStorage: { bytes: 1, into: 'int32', read: (v, i) => v.getInt8(i) },
  ByteStorage: { bytes: 1, into: 'int32', read: (v, i) => v.getUint8(i) },
  BoolStorage: { bytes: 1, into: 'bool', read: (v, i) => v.getUint8(i) },
};

const scratch = new DataView(new ArrayBuffer(4));
function bitsToFloat(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

/** A storage a checkpoint refers to; its bytes arrive later in the legacy format. */
export interface TorchStorage {
  readonly kind: 'storage';
  readonly type: string;
  readonly key: string;
  readonly numel: number;
  bytes: Uint8Array | null;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
export interface TorchTensorRef {
  readonly kind: 'tensor';
  readonly storage: TorchStorage;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** The values of a strided view, contiguous, as the typed array of its Tessera dtype. */
export function gatherValues(t: TorchTensorRef, name: string, file: string): { values: TypedArray; dtype: DType } {
  const st = STORAGE_TYPES[t.storage.type];
  const bytes = t.storage.bytes;
  if (bytes === null)
    throw new DataError(`${file}: tensor '${name}' refers to storage '${t.storage.key}', whose data the file does not hold.`);
  const available = Math.floor(bytes.length / st.bytes);
  const size = t.shape.reduce((a, b) => a * b, 1);
  let last = t.offset;
  for (let k = 0; k < t.shape.length; k++) if (t.shape[k] > 0) last += (t.shape[k] - 1) * t.stride[k];
  if (size > 0 && (t.offset < 0 || last >= available)) {
    throw new DataError(`${file}: tensor '${name}' (shape [${t.shape.join(', ')}], stride [${t.stride.join(', ')}], offset ${t.offset}) ` +
      `reaches past its storage of ${available} elements.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values =
    st.into === 'float64'
      ? new Float64Array(size)
      : st.into === 'float32'
      ? new Float32Array(size)
      : st.into === 'bool'
      ? new Uint8Array(size)
      : new Int32Array(size);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < size; i++) {
    let at = t.offset;
    for (let k = 0; k < index.length; k++) at += index[k] * t.stride[k];
    const v = st.read(view, at);
    if (st.into === 'int32' && (v < INT32_MIN || v > INT32_MAX)) {
      throw new DataError(
        `${file}: ${t.storage.type} tensor '${name}' holds ${v} at element ${i}, outside int32 (Tessera's integer dtype).`,
      );
    }
    if (st.into === 'bool' && v > 1)
      throw new DataError(`${file}: bool tensor '${name}' holds byte ${v} at element ${i}; booleans must be 0 or 1.`);
    values[i] = v;
    for (let k = index.length - 1; k >= 0; k--) {
      if (++index[k] < t.shape[k]) break;
      index[k] = 0;
    }
  }
  return { values, dtype: st.into };
}
