/**
 * Encoders for the few ONNX messages a small inference graph needs (field numbers from
 * onnx/onnx.proto): ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto (+ TypeProto/TensorShapeProto) and OperatorSetIdProto.
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

type AttrValue = number | string | readonly number[] | { readonly float: number };

/** A node attribute: integers become INT/INTS, `{ float }` becomes FLOAT, strings STRING. */
function attribute(name: string, value: AttrValue): Uint8Array {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'string') w.bytes(4, new TextEncoder().encode(value)).int(20, AttrType.STRING);
  else if (typeof value === 'number') w.int(3, value).int(20, AttrType.INT);
  else if ('float' in value) w.float(2, value.float).int(20, AttrType.FLOAT);
  else w.packedInts(8, value).int(20, AttrType.INTS);
  return w.finish();
}

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  /** Operator domain (e.g. 'com.microsoft' for onnxruntime's contrib ops); default ONNX's. */
  readonly domain?: string;
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
export function node(spec: NodeSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const i of spec.inputs) w.string(1, i);
  for (const o of spec.outputs) w.string(2, o);
  if (spec.name) w.string(3, spec.name);
  w.string(4, spec.opType);
  for (const [k, v] of Object.entries(spec.attrs ?? {})) w.message(5, attribute(k, v));
  if (spec.domain) w.string(7, spec.domain);
  return w.finish();
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian float32). */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== values.length) throw new Error(`onnx tensor ${name}: ${values.length} values for dims [${dims}]`);
  const raw = new Uint8Array(values.length * 4);
  new Float32Array(raw.buffer).set(values); // every supported host is little-endian
  return new ProtoWriter().packedInts(1, dims).int(2, DataType.FLOAT).string(8, name).bytes(9, raw).finish();
}

/**
 * ValueInfoProto (name=1, type=2) of a tensor; TypeProto.tensor_type=1 {elem_type=1,
 * shape=2 {dim=1 {dim_value=1 | dim_param=2}}}. A string dim is symbolic.
 */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim.finish());
  }
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape.finish()).finish();
  const type = new ProtoWriter().message(1, tensorType).finish();
  return new ProtoWriter().string(1, name).message(2, type).finish();
}

export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly Uint8Array[];
  readonly initializers: readonly Uint8Array[];
  readonly inputs: readonly Uint8Array[];
  readonly outputs: readonly Uint8Array[];
}

/** GraphProto: node=1, name=2, initializer=5, input=11, output=12. */
export function graph(spec: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const n of spec.nodes) w.message(1, n);
  w.string(2, spec.name);
  for (const t of spec.initializers) w.message(5, t);
  for (const i of spec.inputs) w.message(11, i);
  for (const o of spec.outputs) w.message(12, o);
  return w.finish();
}

/**
 * ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8
 * (OperatorSetIdProto: domain=1, version=2). IR version 7 goes with opset 13.
 */
export function model(g: Uint8Array, opset = 13, irVersion = 7, extraOpsets: Readonly<Record<string, number>> = {}): Uint8Array {
  const opsetId = new ProtoWriter().string(1, '').int(2, opset).finish();
  const w = new ProtoWriter()
    .int(1, irVersion)
    .string(2, 'tessera-bench')
    .string(3, '0.0.0')
    .message(7, g)
    .message(8, opsetId);
  for (const [domain, version] of Object.entries(extraOpsets)) w.message(8, new ProtoWriter().string(1, domain).int(2, version).finish());
  return w.finish();
}
