import { TesseraError } from '@tessera/core';

/**
 * A functional model that cannot be built or called: an output that does not depend on
 * the model's inputs, inputs not made by `input()`, or the wrong number of inputs at call
 * time. (Wrong input shapes and dtypes are `ShapeError` and `DTypeError`.)
 */
export class GraphError extends TesseraError {}
