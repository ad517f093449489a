import type { AnyKernel, BackendImpl } from '../backend.js';
import type { ElementwiseGroupAttrs, ElementwiseGroupMember } from '../expr/group.js';
import type { ElementwiseAttrs } from '../expr/ir.js';
import { lowerExpr } from '../expr/lower.js';
import type { SlotCall } from './fuse.js';

/**
 * Horizontal fusion of a (vertically fused) program: independent `elementwise` calls of one
 * expression structure — the optimizer update of every parameter — become one call of the
 * backend's `elementwiseGroup` kernel with one output per member (docs/expressions.md,
 * "Grouped updates"). The group runs where its last member ran, so a member joins only if
 * nothing reads its output before that point; every input of a member must be its output's
 * size or one element (the grouped kernel reads them at the flat index or at 0).
 */
export function groupElementwise(calls: readonly SlotCall[], backend: BackendImpl | undefined): SlotCall[] {
  const kernel = backend?.elementwiseGroup;
  if (!kernel) return [...calls];
  // First reader of each slot.
  const firstRead = new Map<number, number>();
  calls.forEach((c, k) => {
    for (const s of c.inSlots) if (!firstRead.has(s)) firstRead.set(s, k);
  });
  const byKey = new Map<string, number[]>();
  calls.forEach((c, k) => {
    const key = groupKey(c);
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
    const members = list.filter((k) => k === last || (firstRead.get(calls[k].outSlot) ?? Infinity) > last);
    if (members.length < 2) continue;
    replaced.set(last, grouped(members.map((k) => calls[k]), kernel as unknown as AnyKernel));
    for (const k of members) if (k !== last) gone.add(k);
  }
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

/** The grouping key of an elementwise call (structure, dtypes, input count), or null when it cannot join a group. */
function groupKey(c: SlotCall): string | null {
  if (!c.c.elementwise || c.outSlots) return null;
  const n = c.c.out.size;
  if (n === 0 || c.inputs.some((i) => i.size !== n && i.size !== 1)) return null;
  const a = c.c.attrs as ElementwiseAttrs;
  const lowered = lowerExpr(a.expr, c.inputs.map((i) => i.dtype));
  // Which inputs are one element is each member's own affair (the kernel reads those at 0).
  return `${c.c.out.dtype}|${a.scalars.length}|${lowered.key}`;
}

/** One grouped call of `members` (in call order), placed where the last one ran. */
function grouped(members: readonly SlotCall[], kernel: AnyKernel): SlotCall {
  const member = (m: SlotCall, a: ElementwiseAttrs): ElementwiseGroupMember => ({
    expr: a.expr,
    scalars: a.scalars,
    inputs: m.inputs.length,
    out: m.c.out,
  });
  const attrsOf = (read: (m: SlotCall) => ElementwiseAttrs): ElementwiseGroupAttrs => ({
    members: members.map((m) => member(m, read(m))),
  });
  const refreshing = members.some((m) => m.c.refresh);
  const refresh = refreshing
    ? () => attrsOf((m) => (m.c.refresh ? m.c.refresh() : m.c.attrs) as ElementwiseAttrs)
    : null;
  const last = members[members.length - 1];
  const name = (m: SlotCall) => (m.names.length > 1 ? `fused(${m.names.join('+')})` : m.names[0]);
  return {
    c: { ...last.c, kernel, attrs: attrsOf((m) => m.c.attrs as ElementwiseAttrs), refresh, elementwise: false, out: members[0].c.out },
    inSlots: members.flatMap((m) => m.inSlots),
    outSlot: members[0].outSlot,
    outSlots: members.map((m) => m.outSlot),
    inputs: members.flatMap((m) => m.inputs),
    names: [`group(${name(members[0])}×${members.length})`],
  };
}
