import type { DType } from '@tessera/core';
import type { AttrValue, GraphBuilder } from '../graph.js';

/** What a mapping sees of one recorded op call, and how it adds to the graph. */
export interface EmitContext {
  readonly graph: GraphBuilder;
  /** The op's attributes (the op definition's attribute type). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** ONNX names of the inputs (parameters, buffers, constants or earlier outputs). */
  readonly inputs: readonly string[];
  readonly inputShapes: readonly (readonly number[])[];
  readonly inputDTypes: readonly DType[];
  readonly outShape: readonly number[];
  readonly outDType: DType;
  /** Graph opset (≥ 17). */
  readonly opset: number;
  /** Appends a node (shorthand for `graph.node`). */
  node(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, AttrValue>>): string;
  /** Throws an `OnnxExportError` naming the op, the module and `why`. */
  fail(why: string): never;
}

/** Emits the ONNX nodes of one op call; returns the name of the value equal to its output. */
export type OpMapping = (ctx: EmitContext) => string;

/** Tessera conv/pool pads [top, bottom, left, right] → ONNX's [top, left, bottom, right]. */
export const onnxPads2d = (p: readonly number[]): number[] => [p[0], p[2], p[1], p[3]];

/** `x` reshaped so that a [C] vector broadcasts along `axis` of a rank-`rank` tensor. */
export function alongAxis(ctx: EmitContext, vector: string, size: number, axis: number, rank: number): string {
  const shape = Array.from({ length: rank - axis }, (_, i) => (i === 0 ? size : 1));
  return shape.length === 1 ? vector : ctx.node('Reshape', [vector, ctx.graph.int64s('shape', shape)]);
}
