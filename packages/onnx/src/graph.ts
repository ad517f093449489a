import type { DType, Tensor, TypedArray } from '@tessera/core';
import { OnnxExportError } from './errors.js';
import {
  type AttributeProto,
  AttributeProto_AttributeType as AT,
  type NodeProto,
  type TensorProto,
  TensorProto_DataType as DT,
  type ValueInfoProto,
} from './proto/types.js';

/** ONNX element type of each Tessera dtype. */
const ELEM: Readonly<Record<DType, number>> = { float32: DT.FLOAT, float64: DT.DOUBLE, int32: DT.INT32, bool: DT.BOOL };

/** An attribute value as a mapping gives it: ints, floats, strings, int lists, float lists. */
export type AttrValue = number | string | readonly number[] | { readonly float: number } | { readonly floats: readonly number[] };

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: [...v.floats] };
  return { name, type: AT.INTS, ints: [...(v as readonly number[])] };
}

/** Raw little-endian bytes of a typed array (ONNX's raw_data layout). */
function rawBytes(values: TypedArray): Uint8Array {
  const copy = values.slice();
  const bytes = new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new OnnxExportError('exportOnnx: big-endian hosts are not supported.');
  return bytes;
}

/** A value-info entry: name, element type, static shape. */
export function valueInfo(name: string, dtype: DType, shape: readonly number[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: ELEM[dtype], shape: { dim: shape.map((d) => ({ dim_value: d })) } } } };
}

/**
 * The ONNX graph under construction: nodes in execution order, initializers, and the ONNX
 * name of every Tessera tensor met so far.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly #names = new Map<Tensor, string>();
  readonly #used = new Set<string>();
  #counter = 0;

  /** A fresh value name from `hint` (unique in the graph). */
  fresh(hint: string): string {
    let name = hint;
    while (this.#used.has(name)) name = `${hint}_${++this.#counter}`;
    this.#used.add(name);
    return name;
  }

  /** Gives tensor `t` the ONNX name `name` (graph input, initializer or node output). */
  bind(t: Tensor, name: string): void {
    this.#names.set(t, name);
    this.#used.add(name);
  }

  /** The ONNX name of `t`, or undefined when the graph has not met it. */
  nameOf(t: Tensor): string | undefined {
    return this.#names.get(t);
  }

  /**
   * Adds an initializer holding `values` (dtype, shape) under a fresh name from `hint`, or
   * under `hint` itself when `exact` (a name the caller already took with `fresh`).
   */
  initializer(hint: string, dtype: DType, shape: readonly number[], values: TypedArray, exact = false): string {
    const name = exact ? hint : this.fresh(hint);
    this.initializers.push({ name, data_type: ELEM[dtype], dims: [...shape], raw_data: rawBytes(values) });
    return name;
  }

  /** An int64 initializer (shapes, axes, pads): ONNX wants these as INT64. */
  int64s(hint: string, values: readonly number[], shape: readonly number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, data_type: DT.INT64, dims: [...shape], int64_data: [...values] });
    return name;
  }

  /** A float scalar initializer of `dtype`. */
  scalar(hint: string, dtype: DType, value: number): string {
    const values =
      dtype === 'float64' ? new Float64Array([value]) : dtype === 'int32' ? new Int32Array([value]) : new Float32Array([value]);
    return this.initializer(hint, dtype, [], values);
  }

  /** Appends a node; returns its (single) output name. */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, hint = opType.toLowerCase()): string {
    const out = this.fresh(hint);
    this.nodes.push({
      op_type: opType,
      name: this.fresh(`${opType}_${this.nodes.length}`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }
}
