import { TesseraError } from '@tessera/core';

/**
 * A model that cannot be written as PyTorch code: a layer with no `torch.nn` equivalent
 * (named with its path), an op with no `torch` counterpart, or an input that is not a tensor.
 */
export class PytorchExportError extends TesseraError {}
