import type { AnyKernel } from './backend.js';

/**
 * Builds one kernel per name of a family (the reductions, a backend's specialised ops):
 * the helper every backend's kernel table uses.
 *
 * @example
 * const table = { ...kernelFamily(REDUCE_OPS, reduceKernel), matmul };
 */
export function kernelFamily<N extends string>(names: readonly N[], make: (name: N) => AnyKernel): Record<N, AnyKernel> {
  const table = {} as Record<N, AnyKernel>;
  for (const name of names) table[name] = make(name);
  return table;
}
