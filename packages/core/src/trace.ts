import type { AnyKernel, BackendImpl, OutputSpec } from './backend.js';
import type { OpDef } from './op.js';
import type { Storage } from './storage.js';
import type { Tensor } from './tensor.js';

/**
 * The recording side of `compile` (see docs/compiled-steps.md): while a trace is open, the
 * engine reports every kernel call, upload, in-place assignment and readback here. Eager
 * execution is unchanged; it only pays one `null` check per op.
 */

/** One kernel call as the engine ran it. */
export interface TracedCall {
  readonly def: OpDef<never>;
  readonly kernel: AnyKernel;
  readonly backend: BackendImpl;
  /** The attributes the kernel got. */
  readonly attrs: unknown;
  /** The call ran the backend's `elementwise` kernel (attrs are `ElementwiseAttrs`): fusable. */
  readonly elementwise: boolean;
  /** Shapes the kernel saw its inputs with where they differ from the handles' (`ElementwiseAttrs.shapes`). */
  readonly shapes?: readonly (readonly number[] | undefined)[];
  /** Re-derives the attributes at each replay (attribute thunks, random keys). */
  readonly refresh: (() => unknown) | null;
  readonly inputs: readonly { storage: Storage; handle: Tensor }[];
  readonly out: OutputSpec;
  readonly output: Storage;
}

/** What a trace collects. */
export class TraceRecorder {
  readonly calls: TracedCall[] = [];
  /** Storages created by uploads inside the trace: constants of the compiled step. */
  readonly uploads = new Set<Storage>();
  /** Objects whose storage was replaced in place (Parameter.assign). */
  readonly swapped = new Set<Tensor>();
  /** The first handle (or its leaf) through which an op read each storage: who owns values made before the step. */
  readonly owners = new Map<Storage, Tensor>();
  /** Counted tensors created while tracing (to find state kept outside the return value). */
  readonly created: Tensor[] = [];
  /** First problem that makes the trace unusable (a readback, a decomposed thunk). */
  problem: string | null = null;
}

let active: TraceRecorder | null = null;

/** The open trace, or null (eager execution). */
export function activeTrace(): TraceRecorder | null {
  return active;
}

/**
 * True while `compile` records a step. Code that reads values only to validate them (a
 * class-index range check) skips the read then, as it does on asynchronous backends: a
 * replay could not repeat it, and kernels still check what they must.
 */
export function isCompiling(): boolean {
  return active !== null;
}

/** Runs `fn` with `rec` collecting; traces do not nest. */
export function withTrace<T>(rec: TraceRecorder, fn: () => T): T {
  const prev = active;
  active = rec;
  try {
    return fn();
  } finally {
    active = prev;
  }
}
