import type { AnyKernel, BackendImpl } from '../backend.js';
import type { ReduceGroupAttrs, ReduceGroupEpilogue, ReduceGroupMember } from '../expr/group.js';
import { ex, type ElementwiseAttrs } from '../expr/ir.js';
import type { ReduceAttrs } from '../primitives.js';
import type { SlotCall } from './fuse.js';

/**
 * Whole-tensor float32 sums of a program, each with the elementwise call that made its input
 * (one reader, not escaping) as a prologue, become one call of the backend's `reduceGroup`
 * kernel with one output per sum: a loss's label count `cast(labels ≠ ignoreIndex).sum()`
 * and its `loss.sum()` are one call instead of three. The group runs where its last member
 * ran, so a sum joins only if nothing reads its result before; a lone sum joins when it
 * absorbs a prologue. A later one-element elementwise call of the sums' results alone (the
 * loss's mean) becomes the group's epilogue, its output the call's last. Values: the
 * backend's summation order (equal within float32 rounding).
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
  const outSlots = members.map((m) => calls[m.at].outSlot);
  const epi = epilogueAfter(calls, last, outSlots);
  if (epi) gone.add(epi.at);
  // A result only the epilogue reads is not an output (one storage binding less).
  const onlyEpilogue = (s: number) => epi !== undefined && calls.every((c, k) => k === epi.at || !c.inSlots.includes(s));
  const internal = outSlots.map((s) => !escaping.has(s) && onlyEpilogue(s));
  const names = parts.map((p) => p.name);
  const attrs: ReduceGroupAttrs = {
    members: parts.map((p, j) => (internal[j] ? { ...p.member, internal: true } : p.member)),
    ...(epi && { epilogue: epi.epilogue }),
  };
  const outs = epi ? [...outSlots.filter((_, j) => !internal[j]), calls[epi.at].outSlot] : outSlots;
  const lastCall = calls[last];
  const call: SlotCall = {
    c: { ...lastCall.c, kernel, attrs, refresh: null, elementwise: false },
    inSlots: [...parts.flatMap((p) => p.inSlots), ...(epi?.inSlots ?? [])],
    outSlot: outs[0],
    outSlots: outs,
    inputs: [...parts.flatMap((p) => p.inputs), ...(epi?.inputs ?? [])],
    names: [`reduceGroup(${epi ? [...names, nameOf(calls[epi.at])].join(', ') : names.join(', ')})`],
  };
  return calls.flatMap((c, k) => (k === last ? [call] : gone.has(k) ? [] : [c]));
}

const nameOf = (c: SlotCall): string => (c.names.length > 1 ? `fused(${c.names.join('+')})` : c.names[0]);

/**
 * The first later one-element float32 elementwise call that reads the group's results and
 * otherwise only one-element values that exist at the group's position (a loss's mean, with
 * its constants): it becomes the group's epilogue, moving up to the group's position (its
 * output then exists earlier than before, which no reader minds).
 */
function epilogueAfter(calls: readonly SlotCall[], last: number, outSlots: readonly number[]) {
  const madeAt = new Map<number, number>();
  calls.forEach((c, k) => (c.outSlots ?? [c.outSlot]).forEach((s) => madeAt.set(s, k)));
  const early = (s: number, size: number) => size === 1 && (madeAt.get(s) ?? -1) < last;
  for (let k = last + 1; k < calls.length; k++) {
    const c = calls[k];
    if (!c.c.elementwise || c.outSlots || c.epi || c.c.refresh || c.c.out.size !== 1 || c.c.out.dtype !== 'float32') continue;
    if (!c.inSlots.some((s) => outSlots.includes(s))) continue;
    if (!c.inSlots.every((s, i) => outSlots.includes(s) || early(s, c.inputs[i].size))) continue;
    const own = [...new Set(c.inSlots.filter((s) => !outSlots.includes(s)))];
    const reads = c.inSlots.map((s) => (outSlots.includes(s) ? outSlots.indexOf(s) : outSlots.length + own.indexOf(s)));
    const a = c.c.attrs as ElementwiseAttrs;
    const epilogue: ReduceGroupEpilogue = { expr: a.expr, scalars: a.scalars, inputs: own.length, reads, out: c.c.out };
    return { at: k, epilogue, inSlots: own, inputs: own.map((s) => c.inputs[c.inSlots.indexOf(s)]) };
  }
  return undefined;
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
