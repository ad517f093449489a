import { TesseraError } from '@tessera/core';

/**
 * What `exportOnnx` cannot write: an op with no ONNX mapping (named with the module that
 * issued it), an unsupported opset or dtype, or a model output that is not a tensor.
 */
export class OnnxExportError extends TesseraError {}
