import { type DType, Parameter, type Tensor, isTensor, noGrad, tidy, zeros } from '@tessera/core';
import { withForwardHook } from './hooks.js';
import type { AnyModule } from './module.js';
import { Buffer } from './buffer.js';

/** An input of `summary`: a shape (float32) or a shape with its dtype (e.g. int32 token ids). */
export type SummaryInput = readonly number[] | { readonly shape: readonly number[]; readonly dtype: DType };

const isShape = (s: SummaryInput): s is readonly number[] => Array.isArray(s);

/** One row of a model summary. */
export interface SummaryRow {
  /** Dotted name of the module ('' for the model itself). */
  readonly name: string;
  readonly type: string;
  /** Output shape(s) of its last call. */
  readonly outputShapes: number[][];
  /** Parameters owned directly by this module (not its children). */
  readonly params: number;
}

/** A model summary: rows in call order plus totals; `toString()` prints Keras' table. */
export interface Summary {
  readonly rows: readonly SummaryRow[];
  readonly totalParams: number;
  readonly trainableParams: number;
  toString(): string;
}

function ownParams(m: AnyModule): number {
  let n = 0;
  // Direct members only: children print their own counts.
  for (const [, p] of m.ownMembers()) if (p instanceof Parameter && !(p instanceof Buffer)) n += p.size;
  return n;
}

const shapesOf = (out: unknown): number[][] =>
  isTensor(out) ? [[...(out as Tensor).shape]] : Array.isArray(out) ? out.flatMap(shapesOf) : [];

/**
 * Runs one forward pass on zeros of the given input shapes (batch axis included, no
 * grad, in eval mode) and records each module's output shape and parameter count.
 */
export function summarize(model: AnyModule, inputs: readonly SummaryInput[]): Summary {
  const names = new Map(model.namedModules().map(([n, m]) => [m, n] as const));
  const rows = new Map<AnyModule, SummaryRow>();
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.train(false);
  try {
    withForwardHook(
      (m, _inputs, out) => {
        if (m === model) return;
        rows.delete(m); // a module called twice is listed where it was last called
        rows.set(m, { name: names.get(m) ?? '?', type: m.typeName, outputShapes: shapesOf(out), params: ownParams(m) });
      },
      () => noGrad(() => tidy(() => void model.call(...inputs.map((s) => (isShape(s) ? zeros(s) : zeros(s.shape, { dtype: s.dtype })))))),
    );
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
  const list = [...rows.values()];
  const totalParams = model.numParameters();
  const trainableParams = model.numParameters(true);
  return { rows: list, totalParams, trainableParams, toString: () => formatSummary(model, list, totalParams, trainableParams) };
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');

function formatSummary(model: AnyModule, rows: readonly SummaryRow[], total: number, trainable: number): string {
  const cells = rows.map((r) => [`${r.name} (${r.type})`, r.outputShapes.map((s) => `[${s.join(', ')}]`).join(', '), fmtInt(r.params)]);
  const head = ['Layer (type)', 'Output shape', 'Params'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => `${c[0].padEnd(w[0])}  ${c[1].padEnd(w[1])}  ${c[2].padStart(w[2])}`;
  const rule = '─'.repeat(w[0] + w[1] + w[2] + 4);
  return [
    `${model.typeName} summary`,
    rule,
    line(head),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${fmtInt(total)}`,
    `Trainable params: ${fmtInt(trainable)}`,
    `Non-trainable params: ${fmtInt(total - trainable)}`,
  ].join('\n');
}
