import protobuf from 'protobufjs/light.js';
import { ONNX_DESCRIPTOR } from './proto/descriptor.js';
import type { ModelProto } from './proto/types.js';
import { OnnxExportError } from './errors.js';

let modelType: protobuf.Type | null = null;

/** `onnx.ModelProto`, reflected once from the official onnx.proto's descriptor. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serialises a model with protobufjs (checked against the schema first). */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new OnnxExportError(`exportOnnx: internal error, the model does not fit onnx.proto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Parses ONNX bytes back into a plain object (for tests and inspection). */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true }) as ModelProto;
}
