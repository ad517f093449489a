import type { OpMapping } from './context.js';
import { ELEMENTWISE } from './elementwise.js';
import { NN } from './nn.js';
import { SHAPE } from './shape.js';

export type { EmitContext, OpMapping } from './context.js';

/** Every op `exportOnnx` can write, by Tessera op name. */
export const OP_MAPPINGS: ReadonlyMap<string, OpMapping> = new Map(Object.entries({ ...ELEMENTWISE, ...NN, ...SHAPE }));

/** Names of the Tessera ops `exportOnnx` can write, sorted. */
export function onnxExportableOps(): string[] {
  return [...OP_MAPPINGS.keys()].sort();
}
