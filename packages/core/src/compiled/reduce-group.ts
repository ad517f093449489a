import type { AnyKernel, BackendImpl } from '../backend.js';
import type { ReduceGroupAttrs, ReduceGroupMember } from '../expr/group.js';
import { ex, type ElementwiseAttrs } from '../expr/ir.js';
import type { ReduceAttrs } from '../primitives.js';
import type { SlotCall } from './fuse.js';

/**
 * Whole-tensor float32 sums of a program, each with the elementwise call that made its input
 * (one reader, not escaping) as a prologue, become one call of the backend's `reduceGroup`
 * kernel with one output per sum: a loss's label count `cast(labels ≠ ignoreIndex).sum()`
 * and its `loss.sum()` are one call instead of three. The group runs where its last member
 * ran, so a sum joins only if nothing reads its result before; a lone sum joins when it
 * absorbs a prologue. Values: the backend's summation order (equal within float32 rounding).
 */
export function groupReductions(calls: readonly SlotCall[], escaping: ReadonlySet<number>, backend: BackendImpl | undefined): SlotCall[] {
  const kernel = backend?.reduceGroup as unknown as AnyKernel | undefined;
  if (!kernel) return [...calls];
  const producerAt = new Map<number, number>();
  const readers = new Map<number, number>();
  const firstRead = new Map<number, number>();
  calls.forEach((c, k) => {
    if (c.c.elementwise && !c.outSlots) producerAt.set(c.outSlot, k);
    for (const s of new Set(c.inSlots)) {
      readers.set(s, (readers.get(s) ?? 0) + 1);
      if (!firstRead.has(s)) firstRead.set(s, k);
    }
  });
  // Candidate sums, each with the producer it absorbs (or -1).
  const sums: { at: number; pro: number }[] = [];
  calls.forEach((c, k) => {
    const a = c.c.attrs as ReduceAttrs;
    if (c.c.def.name !== 'sum' || c.epi || c.outSlots || c.c.refresh || c.c.out.dtype !== 'float32') return;
    if (a.outer !== 1 || a.inner !== 1 || a.reduce === 0 || c.inSlots.length !== 1) return;
    const s = c.inSlots[0];
    const at = producerAt.get(s);
    const p = at === undefined ? undefined : calls[at];
    const absorbs = p !== undefined && !escaping.has(s) && readers.get(s) === 1 && !p.c.refresh &&
      p.inputs.every((i) => i.size === a.reduce || i.size === 1);
    sums.push({ at: k, pro: absorbs ? at! : -1 });
  });
  if (sums.length === 0) return [...calls];
  const last = sums[sums.length - 1].at;
  const members = sums.filter((m) => m.at === last || (firstRead.get(calls[m.at].outSlot) ?? Infinity) > last);
  if (members.length < 2 && members.every((m) => m.pro < 0)) return [...calls];
  const gone = new Set(members.flatMap((m) => (m.pro >= 0 ? [m.at, m.pro] : [m.at])));
  const parts = members.map(({ at, pro }) => memberOf(calls[at], pro >= 0 ? calls[pro] : null));
  const attrs: ReduceGroupAttrs = { members: parts.map((p) => p.member) };
  const lastCall = calls[last];
  const call: SlotCall = {
    c: { ...lastCall.c, kernel, attrs, refresh: null, elementwise: false },
    inSlots: parts.flatMap((p) => p.inSlots),
    outSlot: calls[members[0].at].outSlot,
    outSlots: members.map((m) => calls[m.at].outSlot),
    inputs: parts.flatMap((p) => p.inputs),
    names: [`reduceGroup(${parts.map((p) => p.name).join(', ')})`],
  };
  return calls.flatMap((c, k) => (k === last ? [call] : gone.has(k) ? [] : [c]));
}

/** A sum (and the producer of its input, when it absorbs one) as a member. */
function memberOf(sum: SlotCall, pro: SlotCall | null) {
  const size = (sum.c.attrs as ReduceAttrs).reduce;
  const a: ElementwiseAttrs = pro ? (pro.c.attrs as ElementwiseAttrs) : { expr: ex.input(0), scalars: [] };
  const src = pro ?? sum;
  const member: ReduceGroupMember = { expr: a.expr, scalars: a.scalars, inputs: src.inputs.length, size, out: sum.c.out };
  const names = [...(pro?.names ?? []), ...sum.names];
  return { member, inSlots: src.inSlots, inputs: src.inputs, name: names.length > 1 ? `fused(${names.join('+')})` : names[0] };
}
