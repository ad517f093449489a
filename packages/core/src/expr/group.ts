import type { DataId, Kernel, KernelContext, OutputSpec } from '../backend.js';
import type { ElementwiseAttrs, Expr } from './ir.js';

/**
 * Horizontal fusion (docs/expressions.md, "Grouped updates"): independent calls of one
 * expression — every parameter's optimizer update of a step — run as one kernel call with
 * one output per member, and a member may have several outputs over the same inputs (Adam's
 * m, v and parameter: "multi-output members").
 */

/** One output of a member: its expression (over the member's inputs and scalars) and its spec. */
export interface ElementwiseGroupOutput {
  readonly expr: Expr;
  readonly out: OutputSpec;
}

/** One member of a grouped call: its outputs, scalars and input count. */
export interface ElementwiseGroupMember {
  /** The member's outputs in order; every expression reads the same inputs and scalars. */
  readonly outputs: readonly ElementwiseGroupOutput[];
  readonly scalars: readonly number[];
  /**
   * How many of the call's inputs are this member's (they follow the previous members').
   * Each is either the member's output size (read at the same flat index) or one element.
   */
  readonly inputs: number;
}

/**
 * Attributes of the `elementwiseGroup` kernel. Every member has the same expression
 * structures and output count; all outputs of a member have one size.
 */
export interface ElementwiseGroupAttrs {
  readonly members: readonly ElementwiseGroupMember[];
}

/** A kernel with several outputs: returns fresh storage for each, in order. */
export type MultiOutputKernel<A> = (ctx: KernelContext<A>) => readonly DataId[];

/**
 * An `elementwiseGroup` kernel that runs each output of each member through a backend's
 * `elementwise` kernel: the same numbers as the ungrouped calls by construction, without the
 * dispatch saving (for backends, like the CPU, where a call costs no launch). Returns the
 * outputs member by member.
 */
export function groupByMember(elementwise: Kernel<ElementwiseAttrs>): MultiOutputKernel<ElementwiseGroupAttrs> {
  return ({ backend, inputs, attrs }) => {
    let at = 0;
    return attrs.members.flatMap((m) => {
      const mine = inputs.slice(at, (at += m.inputs));
      return m.outputs.map((o) => elementwise({ backend, inputs: mine, attrs: { expr: o.expr, scalars: m.scalars }, out: o.out }));
    });
  };
}

/**
 * One member of a `reduceGroup` call: the sum over all `size` elements of its expression
 * (over its inputs, each `size` elements or one) — a whole-tensor `sum` with the elementwise
 * call that made its input as a prologue.
 */
export interface ReduceGroupMember {
  readonly expr: Expr;
  readonly scalars: readonly number[];
  readonly inputs: number;
  readonly size: number;
  readonly out: OutputSpec;
  /**
   * Its result is read only by the call's epilogue (a loss sum that only the mean reads): the
   * kernel returns no output for it, and need not store it.
   */
  readonly internal?: boolean;
}

/**
 * An elementwise expression over a `reduceGroup` call's results (each one element) and
 * one-element inputs of its own: a loss's mean `where(count == 0, NaN, sum / count)`,
 * computed once the sums are done, in the same call. Its output follows the members' outputs.
 */
export interface ReduceGroupEpilogue {
  readonly expr: Expr;
  readonly scalars: readonly number[];
  /**
   * How many one-element inputs of its own the epilogue has (constants of the loss); they
   * follow the members' inputs in the call's inputs.
   */
  readonly inputs: number;
  /**
   * For each input of `expr`: j < members.length reads member j's result, members.length + k
   * the epilogue's own input k.
   */
  readonly reads: readonly number[];
  /** One float32 element. */
  readonly out: OutputSpec;
}

/**
 * Attributes of `BackendImpl.reduceGroup`: independent whole-tensor sums, one output (one
 * element) each but the `internal` ones, and, with `epilogue`, one more output computed from
 * their results.
 */
export interface ReduceGroupAttrs {
  readonly members: readonly ReduceGroupMember[];
  readonly epilogue?: ReduceGroupEpilogue;
}
