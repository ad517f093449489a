import type { OpDef } from './op.js';
import type { ElementwiseOpAttrs, ElementwiseOpName, PrimitiveAttrs, PrimitiveName } from './primitives.js';
import { elementwiseDef } from './ops/elementwise.js';
import { binaryDefs, whereDef } from './ops/binary.js';
import { creationDefs } from './ops/creation.js';
import { linalgDefs } from './ops/linalg.js';
import { movementDefs } from './ops/movement.js';
import { nnDefs } from './ops/nn.js';
import { reduceDefs } from './ops/reduce.js';
import { unaryDefs } from './ops/unary.js';

/**
 * Every primitive op's definition, by name. Typed so that a primitive without a
 * definition (and so without a gradient rule) is a compile error.
 */
export const primitiveDefs: { readonly [N in PrimitiveName]: OpDef<PrimitiveAttrs[N]> } = {
  elementwise: elementwiseDef,
  ...reduceDefs,
  ...linalgDefs,
  transpose: movementDefs.transpose,
  broadcastTo: movementDefs.broadcastTo,
  slice: movementDefs.slice,
  concat: movementDefs.concat,
  pad: movementDefs.pad,
  flip: movementDefs.flip,
  gather: movementDefs.gather,
  scatterAdd: movementDefs.scatterAdd,
  conv2d: nnDefs.conv2d,
  conv2dBackpropInput: nnDefs.conv2dBackpropInput,
  conv2dBackpropFilter: nnDefs.conv2dBackpropFilter,
  maxPool2d: nnDefs.maxPool2d,
  maxPool2dBackward: nnDefs.maxPool2dBackward,
  avgPool2d: nnDefs.avgPool2d,
  avgPool2dBackward: nnDefs.avgPool2dBackward,
  random: creationDefs.random,
};

/**
 * Every elementwise op's definition, by name: each carries its expression
 * (`OpDef.elementwise`), so backends need no kernel for any of them.
 */
export const elementwiseDefs: { readonly [N in ElementwiseOpName]: OpDef<ElementwiseOpAttrs[N]> } = {
  ...unaryDefs,
  ...binaryDefs,
  where: whereDef,
};
