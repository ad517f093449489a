import { evalExpr, lowerExpr, type ElementwiseAttrs, type Kernel } from '@tessera/core';
import { allocUninit, valuesOf, wrap } from './storage.js';

/**
 * The `elementwise` kernel in TypeScript: core's block interpreter over the inputs' values
 * (every dtype; float32 rounded after each node like a chain of single ops).
 */
export const elementwiseKernel: Kernel<ElementwiseAttrs> = ({ inputs, attrs, out }) => {
  const lowered = lowerExpr(attrs.expr, inputs.map((t) => t.dtype));
  const ys = allocUninit(out.dtype, out.size);
  evalExpr(lowered, inputs.map((t) => ({ values: valuesOf(t), shape: t.shape })), out.shape, attrs.scalars, ys);
  return wrap(ys);
};
