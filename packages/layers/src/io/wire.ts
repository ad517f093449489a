import type { DType } from '@tessera/core';

/**
 * Element types a safetensors header may name. Tessera writes F32, F64, I32 and BOOL; it
 * reads those plus F16 and BF16 (widened to float32) and every integer type (narrowed to
 * int32 with a range check), so checkpoints saved from PyTorch load.
 */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/** How one element is read from little-endian bytes into a number (integer and half types). */
type ElementReader = (view: DataView, byteOffset: number) => number | bigint;

/** One row of the wire table. */
export interface WireType {
  readonly name: SafetensorsDType;
  /** Bytes per element. */
  readonly bytes: number;
  /** Tessera dtype it is read into (`null`: cannot be read). */
  readonly into: DType | null;
  /**
   * How elements become values: `copy` (same bit layout as the Tessera dtype, copied byte
   * for byte so NaN payloads survive), `half`/`bfloat` (bit-exact widening to float32), or
   * an integer reader whose values are range-checked against int32.
   */
  readonly decode: 'copy' | 'half' | 'bfloat' | ElementReader | null;
}

/**
 * The wire table, in the order of the reference implementation's `Dtype` enum (increasing
 * alignment). Writers lay tensors out by descending position in this list, then by name.
 */
const WIRE_TYPES: readonly WireType[] = [
  { name: 'BOOL', bytes: 1, into: 'bool', decode: 'copy' },
  { name: 'U8', bytes: 1, into: 'int32', decode: (v, o) => v.getUint8(o) },
  { name: 'I8', bytes: 1, into: 'int32', decode: (v, o) => v.getInt8(o) },
  { name: 'F8_E5M2', bytes: 1, into: null, decode: null },
  { name: 'F8_E4M3', bytes: 1, into: null, decode: null },
  { name: 'I16', bytes: 2, into: 'int32', decode: (v, o) => v.getInt16(o, true) },
  { name: 'U16', bytes: 2, into: 'int32', decode: (v, o) => v.getUint16(o, true) },
  { name: 'F16', bytes: 2, into: 'float32', decode: 'half' },
  { name: 'BF16', bytes: 2, into: 'float32', decode: 'bfloat' },
  { name: 'I32', bytes: 4, into: 'int32', decode: 'copy' },
  { name: 'U32', bytes: 4, into: 'int32', decode: (v, o) => v.getUint32(o, true) },
  { name: 'F32', bytes: 4, into: 'float32', decode: 'copy' },
  { name: 'F64', bytes: 8, into: 'float64', decode: 'copy' },
  { name: 'I64', bytes: 8, into: 'int32', decode: (v, o) => v.getBigInt64(o, true) },
  { name: 'U64', bytes: 8, into: 'int32', decode: (v, o) => v.getBigUint64(o, true) },
];

const BY_NAME = new Map(WIRE_TYPES.map((w, i) => [w.name as string, { ...w, rank: i }]));

/** The wire type of a header's `dtype` string, or undefined when it is not one we know. */
export function wireType(name: string): (WireType & { readonly rank: number }) | undefined {
  return BY_NAME.get(name);
}

/** The wire type Tessera writes for each of its dtypes. */
export const WRITE_TYPE: Readonly<Record<DType, SafetensorsDType>> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** Names of the wire types Tessera can read, for error messages. */
export const READABLE = WIRE_TYPES.filter((w) => w.into !== null).map((w) => w.name);
