/**
 * The halving loop of a workgroup tree reduction: after each thread stored its partial in
 * shared memory, `combine` (WGSL statements using `lid.x` and the stride `s`) merges
 * element `lid.x + s` into `lid.x` for s = size/2, …, 1, with a barrier per level. Must
 * be reached in uniform control flow.
 */
export function treeLoop(size: number, combine: string): string {
  return `  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
${combine}
    }
    workgroupBarrier();
  }`;
}
