import type { Parameter } from '@tessera/core';
import { type FloatDType, initialize, uniform } from '../init.js';
import { param } from '../module.js';
import type { CellWeights } from './kinds.js';

/** A cell's weights as parameters (what the modules own). */
export interface CellParameters extends CellWeights {
  readonly weightIh: Parameter;
  readonly weightHh: Parameter;
  readonly biasIh: Parameter | null;
  readonly biasHh: Parameter | null;
}

/**
 * PyTorch's default initialisation of every recurrent weight and bias:
 * U(−1/√hidden, 1/√hidden).
 */
function recurrentInit(hiddenSize: number): ReturnType<typeof uniform> {
  const k = 1 / Math.sqrt(hiddenSize);
  return uniform(-k, k);
}

/** Creates one cell's weights, [gates·H, input] and [gates·H, H], initialised as PyTorch does. */
export function makeCellParameters(gates: number, inputSize: number, hiddenSize: number, bias: boolean, dtype: FloatDType): CellParameters {
  const init = recurrentInit(hiddenSize);
  const rows = gates * hiddenSize;
  const make = (shape: number[]): Parameter => param(init(shape, { dtype }));
  // PyTorch's parameter order (and so the order the seeded generator is drawn in).
  const weightIh = make([rows, inputSize]);
  const weightHh = make([rows, hiddenSize]);
  return { weightIh, weightHh, biasIh: bias ? make([rows]) : null, biasHh: bias ? make([rows]) : null };
}

/** Re-draws a cell's weights from the default initialisation (PyTorch's `reset_parameters`). */
export function resetCellParameters(w: CellParameters, hiddenSize: number): void {
  const init = recurrentInit(hiddenSize);
  for (const p of [w.weightIh, w.weightHh, w.biasIh, w.biasHh]) if (p) initialize(p, init);
}

/** The cell's parameters under PyTorch's names with a suffix (`weight_ih_l0_reverse`), in PyTorch's order. */
export function* namedCellParameters(w: CellParameters, suffix: string): Generator<[string, Parameter]> {
  yield [`weight_ih${suffix}`, w.weightIh];
  yield [`weight_hh${suffix}`, w.weightHh];
  if (w.biasIh) yield [`bias_ih${suffix}`, w.biasIh];
  if (w.biasHh) yield [`bias_hh${suffix}`, w.biasHh];
}
