/** WGSL element types of the three GPU dtypes (bool is stored as u32 0/1). */
export type ScalarType = 'f32' | 'i32' | 'u32';

/**
 * Converts a stored WGSL value of type `from` to the storage type `to` (bool is u32 0/1;
 * float→int truncates). The expression compiler (`wgsl/expr.ts`) has its own conversions
 * with core's reference semantics; this one serves kernels that produce a float and store
 * it in another dtype (`random`).
 */
export function convert(expr: string, from: ScalarType, to: ScalarType): string {
  if (from === to) return expr;
  if (to === 'u32') return `select(0u, 1u, ${expr} != ${from}(0))`;
  return `${to}(${expr})`;
}
