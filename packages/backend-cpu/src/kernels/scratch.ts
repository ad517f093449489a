import { currentMemory } from './storage.js';

/**
 * A reused Float64Array of at least `size` elements for `slot` (contents unspecified),
 * from the memory of the backend instance whose kernel runs. Kernels run synchronously,
 * so each named slot has at most one user at a time; buffers only grow.
 */
export function scratch(slot: string, size: number): Float64Array {
  return currentMemory().scratch(slot, size);
}
