/**
 * @packageDocumentation
 * Tessera ONNX export and import: `exportOnnx(model, exampleInput, { opset })` traces a
 * model's forward pass at the op level and writes an ONNX file (protobufjs over the official
 * onnx.proto); `importOnnx(bytes)` runs an ONNX file as a trainable module.
 */
export { exportOnnx, MIN_OPSET, MAX_OPSET, type ExportOnnxOptions } from './export.js';
export { OnnxExportError } from './errors.js';
export { decodeModelProto } from './encode.js';
export type { ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto } from './proto/types.js';
export { onnxExportableOps } from './ops/index.js';
export { importOnnx, OnnxModule } from './import/model.js';
export { OnnxImportError } from './import/errors.js';
