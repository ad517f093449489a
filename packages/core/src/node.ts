import type { OpDef } from './op.js';
import type { Tensor } from './tensor.js';

/**
 * One recorded op in the autograd graph. It holds its own handles to the inputs and the
 * output (sharing their storage), so user code may dispose or `tidy` away the tensors
 * it sees while the graph stays valid. A node is freed when no handle points to it any
 * more, or by `backward()` (unless `retainGraph`).
 */
export class Node {
  /** Handles (user tensors or saved inputs of later nodes) that point here. */
  refs = 0;
  /** True once the saved values were released. */
  freed = false;

  constructor(
    readonly op: OpDef<never>,
    readonly inputs: readonly Tensor[],
    readonly attrs: unknown,
    /** The output handle; its node pointer does not count as a reference. */
    readonly output: Tensor,
  ) {}

  unref(): void {
    if (--this.refs === 0) this.free();
  }

  /** Releases the saved inputs and output. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.inputs) t.dispose();
    this.output.releaseWeak();
  }
}
