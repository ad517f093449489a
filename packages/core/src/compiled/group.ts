import type { AnyKernel, BackendImpl } from '../backend.js';
import type { ElementwiseGroupAttrs, ElementwiseGroupMember } from '../expr/group.js';
import type { ElementwiseAttrs } from '../expr/ir.js';
import { lowerExpr } from '../expr/lower.js';
import type { SlotCall } from './fuse.js';

/**
 * Horizontal fusion of a (vertically fused) program: independent `elementwise` calls of one
 * expression structure — the optimizer update of every parameter — become one call of the
 * backend's `elementwiseGroup` kernel with one member each (docs/expressions.md, "Grouped
 * updates"); one-member calls of that kernel (several outputs over the same inputs, see
 * siblings.ts) join the same way. The group runs where its last member ran, so a member joins
 * only if nothing reads its outputs before that point; every input of a member must be its
 * outputs' size or one element (the grouped kernel reads them at the flat index or at 0).
 */
export function groupElementwise(calls: readonly SlotCall[], backend: BackendImpl | undefined): SlotCall[] {
  const kernel = backend?.elementwiseGroup as unknown as AnyKernel | undefined;
  if (!kernel) return [...calls];
  // First reader of each slot.
  const firstRead = new Map<number, number>();
  calls.forEach((c, k) => {
    for (const s of c.inSlots) if (!firstRead.has(s)) firstRead.set(s, k);
  });
  const byKey = new Map<string, number[]>();
  calls.forEach((c, k) => {
    const key = groupKey(c, kernel);
    if (key === null) return;
    const list = byKey.get(key);
    if (list) list.push(k);
    else byKey.set(key, [k]);
  });
  const replaced = new Map<number, SlotCall>();
  const gone = new Set<number>();
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    const last = list[list.length - 1];
    const unread = (k: number) => outSlotsOf(calls[k]).every((s) => (firstRead.get(s) ?? Infinity) > last);
    const members = list.filter((k) => k === last || unread(k));
    if (members.length < 2) continue;
    replaced.set(last, grouped(members.map((k) => calls[k]), kernel));
    for (const k of members) if (k !== last) gone.add(k);
  }
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

const outSlotsOf = (c: SlotCall): readonly number[] => c.outSlots ?? [c.outSlot];

/** A call's member (a plain elementwise call is a member with one output), from its attributes. */
function memberOf(c: SlotCall, attrs: unknown): ElementwiseGroupMember {
  if (c.c.elementwise) {
    const a = attrs as ElementwiseAttrs;
    return { outputs: [{ expr: a.expr, out: c.c.out }], scalars: a.scalars, inputs: c.inputs.length };
  }
  return (attrs as ElementwiseGroupAttrs).members[0];
}

/** Whether `c` is a one-member call of the grouped kernel. */
const isMember = (c: SlotCall, kernel: AnyKernel): boolean =>
  c.c.kernel === kernel && (c.c.attrs as ElementwiseGroupAttrs).members.length === 1;

/**
 * The grouping key of a call (output dtypes, scalar count, each output's lowered structure),
 * or null when it cannot join a group.
 */
function groupKey(c: SlotCall, kernel: AnyKernel): string | null {
  if (c.c.elementwise ? c.outSlots : !isMember(c, kernel)) return null;
  const m = memberOf(c, c.c.attrs);
  const n = m.outputs[0].out.size;
  if (n === 0 || m.outputs.some((o) => o.out.size !== n) || c.inputs.some((i) => i.size !== n && i.size !== 1)) return null;
  const dtypes = c.inputs.map((i) => i.dtype);
  // Which inputs are one element is each member's own affair (the kernel reads those at 0).
  const outs = m.outputs.map((o) => `${o.out.dtype}:${lowerExpr(o.expr, dtypes).key}`);
  return `${m.scalars.length}|${outs.join('|')}`;
}

/** One grouped call of `members` (in call order), placed where the last one ran. */
function grouped(members: readonly SlotCall[], kernel: AnyKernel): SlotCall {
  const attrsOf = (read: (m: SlotCall) => unknown): ElementwiseGroupAttrs => ({
    members: members.map((m) => memberOf(m, read(m))),
  });
  const refreshing = members.some((m) => m.c.refresh);
  const refresh = refreshing ? () => attrsOf((m) => (m.c.refresh ? m.c.refresh() : m.c.attrs)) : null;
  const last = members[members.length - 1];
  const name = (m: SlotCall) => (m.names.length > 1 ? `fused(${m.names.join('+')})` : m.names[0]);
  const first = memberOf(members[0], members[0].c.attrs);
  return {
    c: { ...last.c, kernel, attrs: attrsOf((m) => m.c.attrs), refresh, elementwise: false, out: first.outputs[0].out },
    inSlots: members.flatMap((m) => m.inSlots),
    outSlot: outSlotsOf(members[0])[0],
    outSlots: members.flatMap(outSlotsOf),
    inputs: members.flatMap((m) => m.inputs),
    names: [`group(${name(members[0])}×${members.length})`],
  };
}
