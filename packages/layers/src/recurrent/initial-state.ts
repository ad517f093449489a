import { type Tensor, zeros } from '@tessera/core';
import { expectShape } from '../check.js';
import type { FloatDType } from '../init.js';
import { expectDType } from '../norm/config.js';
import type { CellKind } from './kinds.js';

/** Where a recurrence's state must live: its expected shape and that shape's axis names (for errors). */
export interface StateLayout {
  readonly shape: readonly number[];
  readonly names: string;
}

/**
 * The state a recurrence starts from as a list (`[h]` or `[h, c]`): the caller's, checked
 * against the layout and the layer's dtype, or zeros on x's backend.
 */
export function initialState<S>(
  kind: CellKind<S>,
  layer: string,
  hx: S | undefined,
  layout: StateLayout,
  dtype: FloatDType,
  x: Tensor,
): Tensor[] {
  if (hx === undefined) return kind.stateNames.map(() => zeros(layout.shape, { dtype, backend: x.backend }));
  const list = kind.unpack(hx, layer);
  list.forEach((t, i) => {
    const what = `initial state ${kind.stateNames[i]}`;
    expectShape(`${layer} ${what}`, t, [layout.shape], `For this input the state is ${layout.names}.`);
    expectDType(layer, t, dtype, what);
  });
  return list;
}
