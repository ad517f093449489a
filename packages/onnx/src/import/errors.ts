import { TesseraError } from '@tessera/core';

/** What `importOnnx` cannot read: unsupported operators (each listed with its node name), attributes or data. */
export class OnnxImportError extends TesseraError {}
