import type { BackendImpl } from '../backend.js';
import type { ElementwiseAttrs, PrologueAttrs } from '../expr/ir.js';
import type { SlotCall } from './fuse.js';

/**
 * Prologues (docs/expressions.md, "Fusion"): an elementwise call that computes input `j` of
 * a kernel the backend lists in `BackendImpl.prologueKernels` (e.g. the loss gradient dy of
 * `softmaxCrossEntropyGrad`, the mean's one-element gradient broadcast to the batch) is
 * evaluated by that kernel where it loads the input, instead of by a call of its own. The
 * kernel then gets its own inputs without input `j`, followed by the expression's inputs,
 * and the `prologue` attribute. The producer must have that one reader and not escape; each
 * of its inputs must be its output's size or one element (read at the same index or at 0).
 */
export function fusePrologues(calls: readonly SlotCall[], escaping: ReadonlySet<number>, backend: BackendImpl | undefined): SlotCall[] {
  const kinds = backend?.prologueKernels;
  if (!kinds || kinds.size === 0) return [...calls];
  const producerAt = new Map<number, number>();
  const readers = new Map<number, number>();
  calls.forEach((c, k) => {
    if (c.c.elementwise && !c.outSlots) producerAt.set(c.outSlot, k);
    for (const s of new Set(c.inSlots)) readers.set(s, (readers.get(s) ?? 0) + 1);
  });
  const gone = new Set<number>();
  const replaced = new Map<number, SlotCall>();
  calls.forEach((c, k) => {
    const j = kinds.get(c.c.def.name);
    if (j === undefined || c.epi || c.outSlots || j >= c.inSlots.length) return;
    const s = c.inSlots[j];
    const at = producerAt.get(s);
    if (at === undefined || escaping.has(s) || readers.get(s) !== 1 || c.inSlots.indexOf(s) !== j) return;
    const p = calls[at];
    const n = p.c.out.size;
    if (n !== c.inputs[j].size || p.inputs.some((i) => i.size !== n && i.size !== 1)) return;
    gone.add(at);
    replaced.set(k, withPrologue(p, c, j));
  });
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

/** Kernel call `c` with elementwise producer `p` of its input `j` as its prologue. */
function withPrologue(p: SlotCall, c: SlotCall, j: number): SlotCall {
  const own = (xs: readonly unknown[]) => xs.filter((_, i) => i !== j);
  const prologue = (a: ElementwiseAttrs): PrologueAttrs => ({ input: j, expr: a.expr, scalars: a.scalars });
  const attrs = { ...(c.c.attrs as object), prologue: prologue(p.c.attrs as ElementwiseAttrs) };
  const pr = p.c.refresh;
  const cr = c.c.refresh;
  const refresh =
    pr || cr
      ? () => ({ ...((cr ? cr() : c.c.attrs) as object), prologue: prologue((pr ? pr() : p.c.attrs) as ElementwiseAttrs) })
      : null;
  return {
    ...c,
    c: { ...c.c, attrs, refresh },
    inSlots: [...(own(c.inSlots) as number[]), ...p.inSlots],
    inputs: [...(own(c.inputs) as SlotCall['inputs'][number][]), ...p.inputs],
    names: [...p.names, ...c.names],
  };
}
