import type { AnyModule } from '../module.js';
import type { SymbolicTensor } from '../symbolic.js';
import { GraphError } from './errors.js';

/** One recorded layer call: which layer, on which symbolic tensors, producing which. */
export interface GraphCall {
  readonly layer: AnyModule;
  readonly inputs: readonly SymbolicTensor[];
  /** The call's symbolic outputs that the model needs, with their output index. */
  readonly outputs: { readonly index: number; readonly sym: SymbolicTensor }[];
}

/** How a symbolic tensor is named in messages: `'name'` or its position among the inputs. */
export function describeInput(s: SymbolicTensor, position?: number): string {
  return s.name !== null ? `'${s.name}'` : position !== undefined ? `${position}` : `(unnamed, shape [${s.shape.map(String).join(', ')}])`;
}

/**
 * Walks back from the outputs to the inputs and returns the layer calls in an order that
 * runs each call after the calls producing its inputs: creation order (symbolic tensor
 * ids grow as layers are applied, so a call's inputs always have smaller ids). Calls are
 * told apart by their argument list, so a layer returning several tensors runs once.
 */
export function planGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], who: string): GraphCall[] {
  const isInput = new Set(inputs);
  const calls = new Map<number, GraphCall & { first: number }>();
  const seen = new Set<SymbolicTensor>();
  outputs.forEach((out, k) => {
    const stack = [out];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s) || isInput.has(s)) continue;
      seen.add(s);
      const node = s.node;
      if (node === null) {
        throw new GraphError(
          `${who}: output ${k} depends on input ${describeInput(s)}, which is not among the model's inputs. Add it to \`inputs\`, or ` +
            `build the output from the given inputs.`,
        );
      }
      let call = calls.get(node.callId);
      if (!call) {
        call = { layer: node.layer, inputs: node.inputs, outputs: [], first: s.id };
        calls.set(node.callId, call);
      }
      call.outputs.push({ index: node.outputIndex, sym: s });
      call.first = Math.min(call.first, s.id);
      stack.push(...node.inputs);
    }
  });
  return [...calls.values()]
    .sort((a, b) => a.first - b.first)
    .map(({ layer, inputs: ins, outputs: outs }) => ({ layer, inputs: ins, outputs: outs }));
}
