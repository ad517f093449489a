import { type DType, ShapeError, type Tensor, isTensor, noGrad, tidy, zeros } from '@tessera/core';
import type { AnyModule } from './module.js';

let nextSymbolicId = 1;
let nextCallId = 1;

/** Where a symbolic tensor comes from: a layer applied to other symbolic tensors. */
export interface SymbolicNode {
  readonly layer: AnyModule;
  readonly inputs: readonly SymbolicTensor[];
  /** Which output of the layer (layers that return several tensors). */
  readonly outputIndex: number;
  /** Identifies one application of the layer: outputs of the same call share it. */
  readonly callId: number;
}

/**
 * A placeholder in a functional model graph (Keras' `KerasTensor`): a shape whose first
 * axis (the batch) is `null`, and the layer call that produces it. Made by `input()` and
 * `layer.apply(...)`; turned into a model with `model({ inputs, outputs })`.
 */
export class SymbolicTensor {
  /** Unique id (graph order). */
  readonly id = nextSymbolicId++;
  constructor(
    /** Shape with `null` for the batch axis. */
    readonly shape: readonly (number | null)[],
    readonly dtype: DType,
    /** The producing layer call; `null` for model inputs. */
    readonly node: SymbolicNode | null,
    /** Optional name (inputs). */
    readonly name: string | null = null,
  ) {}

  /** Number of axes, batch included. */
  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(shape=[${this.shape.map((d) => (d === null ? 'null' : d)).join(', ')}], dtype=${this.dtype})`;
  }
}

/** A concrete shape for inference: the batch axis (null) becomes 1. */
function concrete(s: SymbolicTensor): number[] {
  return s.shape.map((d) => d ?? 1);
}

/**
 * @internal Applies a layer to symbolic tensors: runs it once on zeros (batch 1, no grad,
 * in eval mode so no running statistics move) to learn the output shapes, and records
 * the call. Works for any layer, including user-defined ones, without a shape function.
 */
export function symbolicCall(layer: AnyModule, inputs: readonly SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
  const modes = layer.modules().map((m) => [m, m.training] as const);
  layer.train(false);
  let shapes: { shape: number[]; dtype: DType }[];
  let many = false;
  try {
    shapes = noGrad(() =>
      tidy(() => {
        const out: unknown = layer.call(...inputs.map((s) => zeros(concrete(s), { dtype: s.dtype })));
        many = Array.isArray(out);
        const list: unknown[] = Array.isArray(out) ? out : [out];
        return list.map((t, i) => {
          if (!isTensor(t)) {
            throw new ShapeError(
              `${layer.typeName}.apply: output ${i} is not a tensor; functional models need layers that return a tensor or an array of ` +
                `tensors.`,
            );
          }
          return { shape: [...(t as Tensor).shape], dtype: (t as Tensor).dtype };
        });
      }),
    );
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
  const callId = nextCallId++;
  const mk = (s: { shape: number[]; dtype: DType }, i: number): SymbolicTensor =>
    new SymbolicTensor([null, ...s.shape.slice(1)], s.dtype, { layer, inputs, outputIndex: i, callId });
  const syms = shapes.map(mk);
  return many ? syms : syms[0];
}
