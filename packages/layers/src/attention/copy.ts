import { clone, noGrad, tidy } from '@tessera/core';
import type { AnyModule } from '../module.js';

/**
 * Loads copies of `from`'s parameters and buffers into `to` (same architecture) and sets
 * its training mode: PyTorch's `copy.deepcopy` of a layer, as its Transformer stacks do.
 * Copies, not shared storage, so training one never moves the other.
 */
export function copyWeightsInto<M extends AnyModule>(from: AnyModule, to: M): M {
  noGrad(() => tidy(() => void to.loadStateDict(Object.fromEntries(Object.entries(from.stateDict()).map(([k, v]) => [k, clone(v)])))));
  return to.train(from.training);
}
