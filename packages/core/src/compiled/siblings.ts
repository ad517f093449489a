import type { AnyKernel, BackendImpl } from '../backend.js';
import type { ElementwiseGroupAttrs } from '../expr/group.js';
import { ex, mapLeaves, type ElementwiseAttrs, type Expr } from '../expr/ir.js';
import { compatible, merge, MAX_FUSED_INPUTS, type SlotCall } from './fuse.js';

/**
 * Storage buffers a member of the grouped kernel may bind (inputs and outputs together):
 * WebGPU guarantees 8 per shader stage.
 */
const MAX_MEMBER_BUFFERS = 8;

/**
 * Multi-output fusion of a (vertically fused) program (docs/expressions.md, "Grouped
 * updates"): an `elementwise` producer whose output an `elementwise` reader reads, but which
 * must also exist on its own (it escapes, like Adam's m and v, or is read later too), is
 * computed by the reader's kernel as a second output: the reader's expression gets the
 * producer's substituted, and the producer's own expression is kept as an extra output over
 * the same inputs. Adam's `ema`, `emaSquare` and `adamStep` of one parameter become one call
 * (one pass over θ, m, v and the gradient) with outputs θ′, m, v. The result is a one-member
 * call of the backend's `elementwiseGroup` kernel (so that `groupElementwise` then joins the
 * parameters' calls); without that kernel nothing changes. The producer's output then exists
 * from the reader's position on, so nothing may read it in between.
 */
export function fuseSiblings(calls: readonly SlotCall[], escaping: ReadonlySet<number>, backend: BackendImpl | undefined): SlotCall[] {
  const kernel = backend?.elementwiseGroup as unknown as AnyKernel | undefined;
  if (!kernel) return [...calls];
  const producerAt = new Map<number, number>();
  const readers = new Map<number, number[]>();
  calls.forEach((c, k) => {
    if (c.c.elementwise && !c.outSlots) producerAt.set(c.outSlot, k);
    for (const s of new Set(c.inSlots)) readers.set(s, [...(readers.get(s) ?? []), k]);
  });
  const gone = new Set<number>();
  const replaced = new Map<number, SlotCall>();
  calls.forEach((c, k) => {
    if (!c.c.elementwise || c.outSlots || !fullOrOne(c)) return;
    let primary = c;
    const siblings: Sibling[] = [];
    for (;;) {
      const slot = primary.inSlots.find((s) => {
        const at = producerAt.get(s);
        if (at === undefined || at >= k || gone.has(at)) return false;
        const p = calls[at];
        const inputs = new Set([...primary.inSlots.filter((x) => x !== s), ...p.inSlots]).size;
        return (
          p.c.out.size === c.c.out.size &&
          p.c.out.size > 0 &&
          compatible(p.c.out.shape, c.c.out.shape, false) &&
          fullOrOne(p) &&
          (readers.get(s) ?? []).every((r) => r >= k) &&
          (escaping.has(s) || (readers.get(s) ?? []).some((r) => r > k)) &&
          !siblings.some((b) => b.p.inSlots.includes(s)) &&
          inputs <= MAX_FUSED_INPUTS &&
          inputs + siblings.length + 2 <= MAX_MEMBER_BUFFERS
        );
      });
      if (slot === undefined) break;
      const at = producerAt.get(slot)!;
      const p = calls[at];
      siblings.push({ p, scalarAt: (primary.c.attrs as ElementwiseAttrs).scalars.length });
      primary = merge(p, primary, slot);
      gone.add(at);
    }
    if (siblings.length === 0) return;
    replaced.set(k, multiOutput(primary, siblings, kernel));
    // Now a call with several outputs: it is nobody's producer (it would be merged in its old form).
    producerAt.delete(c.outSlot);
  });
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

/** A producer kept as an extra output, and where its scalars start in the merged call's. */
interface Sibling {
  readonly p: SlotCall;
  readonly scalarAt: number;
}

/** Every input is the output's size or one element (what the grouped kernel reads). */
function fullOrOne(c: SlotCall): boolean {
  const n = c.c.out.size;
  return c.inputs.every((i) => i.size === n || i.size === 1);
}

/**
 * The merged call as a one-member `elementwiseGroup` call: outputs the primary's, then each
 * sibling's expression renumbered onto the merged inputs and scalars. Expression
 * structures are fixed per call (attribute functions change scalar values only), so the
 * siblings' renumbered expressions are built once; scalars come from the primary's merged
 * attributes, which hold every sibling's.
 */
function multiOutput(primary: SlotCall, siblings: readonly Sibling[], kernel: AnyKernel): SlotCall {
  const renumber = ({ p, scalarAt }: Sibling): Expr =>
    mapLeaves((p.c.attrs as ElementwiseAttrs).expr, (l) =>
      l.op === 'input' ? ex.input(primary.inSlots.indexOf(p.inSlots[l.index])) : l.op === 'scalar' ? ex.scalar(l.index + scalarAt) : l,
    );
  const extra = siblings.map((s) => ({ expr: renumber(s), out: s.p.c.out }));
  const attrsOf = (a: ElementwiseAttrs): ElementwiseGroupAttrs => ({
    members: [{ outputs: [{ expr: a.expr, out: primary.c.out }, ...extra], scalars: a.scalars, inputs: primary.inputs.length }],
  });
  const r = primary.c.refresh;
  return {
    ...primary,
    c: {
      ...primary.c,
      kernel,
      attrs: attrsOf(primary.c.attrs as ElementwiseAttrs),
      refresh: r ? () => attrsOf(r() as ElementwiseAttrs) : null,
      elementwise: false,
    },
    outSlots: [primary.outSlot, ...siblings.map((s) => s.p.outSlot)],
  };
}
