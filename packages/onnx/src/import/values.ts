import { type DType, type Tensor, type TypedArray, fromArray } from '@tessera/core';
import { OnnxImportError } from './errors.js';
import { type AttributeProto, type TensorProto, TensorProto_DataType as DT } from '../proto/types.js';

/**
 * An integer tensor the graph computes with at build time (shapes, axes, indices: what
 * Shape, Gather, Unsqueeze and Concat pass around in PyTorch's exports). Kept as numbers,
 * never uploaded, so shape arithmetic costs nothing and stays exact.
 */
export class StaticInts {
  constructor(
    readonly values: readonly number[],
    readonly shape: readonly number[],
  ) {}
}

/** A value flowing through an imported graph. */
export type Value = Tensor | StaticInts;

const FLOAT_TYPES: Record<number, DType> = { [DT.FLOAT]: 'float32', [DT.DOUBLE]: 'float64' };
const INT_TYPES = new Set<number>([DT.INT64, DT.INT32, DT.INT16, DT.INT8, DT.UINT8, DT.BOOL]);

/** Copies `bytes` into an aligned buffer (protobuf bytes may start at any offset). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** Decodes an initializer or Constant tensor: floats become tensors, integers static values. */
export function decodeTensor(
  t: TensorProto,
  what: string,
): { floats: Float32Array | Float64Array; dtype: DType; shape: number[] } | StaticInts {
  const shape = (t.dims ?? []).map(Number);
  const type = t.data_type ?? DT.UNDEFINED;
  const size = shape.reduce((a, b) => a * b, 1);
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  if (t.data_location === 1)
    throw new OnnxImportError(
      `importOnnx: ${what} keeps its data in an external file, which is not supported; save the model with its weights inside.`,
    );
  if (FLOAT_TYPES[type]) {
    const dtype = FLOAT_TYPES[type];
    const floats = raw
      ? dtype === 'float64' ? new Float64Array(aligned(raw)) : new Float32Array(aligned(raw))
      : dtype === 'float64' ? Float64Array.from(t.double_data ?? []) : Float32Array.from(t.float_data ?? []);
    if (floats.length !== size)
      throw new OnnxImportError(`importOnnx: ${what} has ${floats.length} values for shape [${shape.join(', ')}].`);
    return { floats, dtype, shape };
  }
  if (INT_TYPES.has(type)) {
    let values: number[];
    if (raw) {
      const view = new DataView(aligned(raw));
      const width = type === DT.INT64 ? 8 : type === DT.INT32 ? 4 : type === DT.INT16 ? 2 : 1;
      values = Array.from({ length: raw.length / width }, (_, i) =>
        width === 8
          ? Number(view.getBigInt64(8 * i, true))
          : width === 4
          ? view.getInt32(4 * i, true)
          : width === 2
          ? view.getInt16(2 * i, true)
          : type === DT.INT8
          ? view.getInt8(i)
          : view.getUint8(i),
      );
    } else values = (type === DT.INT64 ? t.int64_data : t.int32_data ?? []) as number[];
    return new StaticInts(values.map(Number), shape);
  }
  throw new OnnxImportError(
    `importOnnx: ${what} has ONNX element type ${type}, which is not supported (float, double and integer types are).`,
  );
}

/** A float tensor from decoded data. */
export function floatTensor(d: { floats: Float32Array | Float64Array; dtype: DType; shape: number[] }): Tensor {
  return fromArray(d.floats as TypedArray, d.shape, d.dtype);
}

/** Typed access to a node's attributes. */
export class Attrs {
  readonly #byName: Map<string, AttributeProto>;
  constructor(list: readonly AttributeProto[] | undefined, readonly where: string) {
    this.#byName = new Map((list ?? []).map((a) => [a.name ?? '', a]));
  }
  int(name: string, dflt: number): number {
    const a = this.#byName.get(name);
    return a?.i === undefined ? dflt : Number(a.i);
  }
  float(name: string, dflt: number): number {
    return this.#byName.get(name)?.f ?? dflt;
  }
  ints(name: string, dflt: readonly number[]): number[] {
    const a = this.#byName.get(name);
    return a?.ints && a.ints.length > 0 ? a.ints.map(Number) : [...dflt];
  }
  string(name: string, dflt: string): string {
    const s = this.#byName.get(name)?.s;
    return s ? new TextDecoder().decode(s) : dflt;
  }
  strings(name: string): string[] {
    return (this.#byName.get(name)?.strings ?? []).map((b) => new TextDecoder().decode(b));
  }
  tensor(name: string): TensorProto | undefined {
    return this.#byName.get(name)?.t;
  }
  has(name: string): boolean {
    return this.#byName.has(name);
  }
}
