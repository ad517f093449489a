import type { DataId, Kernel, KernelContext, OutputSpec } from '../backend.js';
import type { ElementwiseAttrs, Expr } from './ir.js';

/**
 * Horizontal fusion (docs/expressions.md, "Grouped updates"): independent calls of one
 * expression — every parameter's optimizer update of a step — run as one kernel call with
 * one output per member.
 */

/** One member of a grouped call: its expression, scalars, input count and output. */
export interface ElementwiseGroupMember {
  readonly expr: Expr;
  readonly scalars: readonly number[];
  /**
   * How many of the call's inputs are this member's (they follow the previous members').
   * Each is either the member's output size (read at the same flat index) or one element.
   */
  readonly inputs: number;
  readonly out: OutputSpec;
}

/** Attributes of the `elementwiseGroup` kernel. Every member has the same expression structure. */
export interface ElementwiseGroupAttrs {
  readonly members: readonly ElementwiseGroupMember[];
}

/** A kernel with several outputs: returns fresh storage for each, in order. */
export type MultiOutputKernel<A> = (ctx: KernelContext<A>) => readonly DataId[];

/**
 * An `elementwiseGroup` kernel that runs each member through a backend's `elementwise`
 * kernel: the same numbers as the ungrouped calls by construction, without the dispatch
 * saving (for backends, like the CPU, where a call costs no launch).
 */
export function groupByMember(elementwise: Kernel<ElementwiseAttrs>): MultiOutputKernel<ElementwiseGroupAttrs> {
  return ({ backend, inputs, attrs }) => {
    let at = 0;
    return attrs.members.map((m) => {
      const mine = inputs.slice(at, (at += m.inputs));
      return elementwise({ backend, inputs: mine, attrs: { expr: m.expr, scalars: m.scalars }, out: m.out });
    });
  };
}
