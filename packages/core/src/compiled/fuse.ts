import type { DType } from '../dtype.js';
import { ex, mapLeaves, type ElementwiseAttrs, type EpilogueAttrs, type Expr } from '../expr/ir.js';
import { findKernel } from '../registry.js';
import type { TracedCall } from '../trace.js';

/**
 * Elementwise fusion of a traced program (docs/expressions.md): an `elementwise` call whose
 * output is read by exactly one other `elementwise` call, with the same shape, and does not
 * escape the step is substituted into that reader's expression. One pass in call order
 * suffices: a producer has already absorbed its own producers when its reader is reached.
 * The same reader of a kernel the backend lists in `epilogueKernels` (matmul, conv) becomes
 * that kernel's epilogue instead. A merged call runs where its reader ran, so the reader's
 * other inputs exist by then.
 */

/** A call of the program under construction: the traced call and its slots. */
export interface SlotCall {
  readonly c: TracedCall;
  readonly inSlots: readonly number[];
  readonly outSlot: number;
  /** Every output slot of a call with several outputs (a grouped call, see group.ts); its first is `outSlot`. */
  readonly outSlots?: readonly number[];
  readonly inputs: readonly { dataId: object; readonly shape: readonly number[]; readonly dtype: DType; readonly size: number }[];
  /** Op names merged into this call (for stats and messages). */
  readonly names: readonly string[];
  /**
   * For a kernel with an epilogue: its own inputs (the first `own` slots), its attributes
   * without the epilogue, and the epilogue as an elementwise call over `RAW` (the kernel's
   * result) and the extra input slots.
   */
  readonly epi?: { readonly own: number; readonly attrs: unknown; readonly refresh: (() => unknown) | null; readonly expr: SlotCall };
}

/** The slot number standing for a kernel's own result inside its epilogue expression. */
const RAW = -1;

/**
 * Most inputs a fused kernel reads: WebGPU guarantees 8 storage buffers per shader stage
 * (one is the output), and the CPU's wasm rows take their operands as arguments.
 */
export const MAX_FUSED_INPUTS = 6;

/** The shape without its leading 1s: shapes equal under it hold the same elements in the same order. */
const stripLead = (s: readonly number[]): readonly number[] => {
  let i = 0;
  while (i < s.length && s[i] === 1) i++;
  return s.slice(i);
};
/**
 * Whether producer output `p` can be read in place of the reader's operand of output shape
 * `c`: equal up to leading 1s (a reshape in between adds or drops them), and, for an
 * epilogue, not of lower rank (the kernel keeps its own output shape).
 */
export function compatible(p: readonly number[], c: readonly number[], epilogue: boolean): boolean {
  const a = stripLead(p);
  const b = stripLead(c);
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) return false;
  return !epilogue || p.length >= c.length;
}

/**
 * An elementwise call with one output element: every reader may recompute it (a handful
 * of scalar operations per element) instead of reading it from memory, so it merges into
 * each of its elementwise readers, of any shape, and goes once all have merged it (the
 * scalar bookkeeping of a loss: `count == 0`, `where(empty, 1, count)`, the mean's gradient).
 */
const isScalar = (p: SlotCall): boolean => p.c.elementwise && p.c.out.size === 1;

/**
 * An epilogue kernel `p` whose output the reader `c` sees reshaped (a flatten's gradient):
 * same element count, and every other input of `c` full-size, so that all of them can be
 * presented in the kernel's output shape (equal flat indices, contiguous storage).
 */
function reshaped(p: SlotCall, c: SlotCall, slot: number): boolean {
  const n = c.c.out.size;
  return !p.c.elementwise && p.c.out.size === n && c.inSlots.every((s, i) => s === slot || c.inputs[i].size === n);
}

/**
 * Fuses elementwise chains; `escaping` holds the slots the step hands out or keeps (their
 * values must exist), and these are never fused away.
 */
export function fuseElementwise(traced: readonly SlotCall[], escaping: ReadonlySet<number>): SlotCall[] {
  const calls = traced.map(broadcastAsElementwise);
  const readers = new Map<number, number>();
  for (const call of calls) for (const s of new Set(call.inSlots)) readers.set(s, (readers.get(s) ?? 0) + 1);
  const producer = new Map<number, SlotCall>();
  const gone = new Set<SlotCall>();
  const out: SlotCall[] = [];
  const epilogueKernels = calls[0]?.c.backend.epilogueKernels;
  const canEpilogue = (p: SlotCall) => p.epi !== undefined || (epilogueKernels?.has(p.c.def.name) ?? false);
  // Merges of each one-element producer so far (it goes once every reader has one).
  const copies = new Map<SlotCall, number>();
  for (const original of calls) {
    let call = original;
    if (call.c.elementwise) {
      for (;;) {
        const slot = call.inSlots.find((s) => {
          const p = producer.get(s);
          return (
            p !== undefined &&
            !gone.has(p) &&
            !escaping.has(s) &&
            (isScalar(p) ||
              (readers.get(s) === 1 && (compatible(p.c.out.shape, call.c.out.shape, !p.c.elementwise) || reshaped(p, call, s)))) &&
            new Set([...call.inSlots.filter((x) => x !== s), ...p.inSlots]).size <= MAX_FUSED_INPUTS
          );
        });
        if (slot === undefined) break;
        const p = producer.get(slot)!;
        if (!p.c.elementwise) {
          gone.add(p);
          call = withEpilogue(p, call, slot);
          break; // no longer an elementwise call: it absorbs no more producers
        }
        if (isScalar(p)) {
          // Recomputed by this reader: its inputs gain a reader (counted conservatively: a
          // producer read twice is not merged away by the one-reader rule).
          for (const q of new Set(p.inSlots)) readers.set(q, (readers.get(q) ?? 0) + 1);
          const n = (copies.get(p) ?? 0) + 1;
          copies.set(p, n);
          if (n === readers.get(slot)) gone.add(p);
          call = merge(p, call, slot, true);
        } else {
          gone.add(p);
          call = merge(p, call, slot);
        }
      }
    }
    out.push(call);
    if (call.c.elementwise || canEpilogue(call)) producer.set(call.outSlot, call);
  }
  return out.filter((c) => !gone.has(c));
}

/**
 * A `broadcastTo` call as the identity expression over its input (inputs broadcast to the
 * output shape by the same NumPy rules), so that it fuses like any elementwise call: the
 * one-element gradient of a loss mean, broadcast to the batch, is then computed where it is
 * broadcast instead of in a call of its own. Other calls are returned as they are.
 */
function broadcastAsElementwise(call: SlotCall): SlotCall {
  const kernel = call.c.def.name === 'broadcastTo' ? findKernel('elementwise', call.c.backend) : undefined;
  if (!kernel) return call;
  const attrs: ElementwiseAttrs = { expr: ex.input(0), scalars: [] };
  return { ...call, c: { ...call.c, kernel, attrs, refresh: null, elementwise: true } };
}

/** Kernel `p` (an epilogue kernel) with elementwise reader `c` of its output `slot` as (more of) its epilogue. */
function withEpilogue(p: SlotCall, c: SlotCall, slot: number): SlotCall {
  const own = p.epi?.own ?? p.inSlots.length;
  const baseAttrs = p.epi?.attrs ?? p.c.attrs;
  const baseRefresh = p.epi ? p.epi.refresh : p.c.refresh;
  // The epilogue so far as an elementwise call reading RAW (identity when there is none).
  const prev: SlotCall = p.epi?.expr ?? {
    c: { ...c.c, attrs: { expr: ex.input(0), scalars: [] }, refresh: null, elementwise: true, inputs: [] },
    inSlots: [RAW], outSlot: slot, inputs: [{ dataId: {}, shape: p.c.out.shape, dtype: p.c.out.dtype, size: p.c.out.size }], names: [],
  };
  // A reshaped reader (see `reshaped`) sees its full-size inputs in the kernel's shape.
  const shape = p.c.out.shape;
  const same = compatible(shape, c.c.out.shape, true);
  const expr = merge(prev, same ? c : { ...c, inputs: c.inputs.map((i) => ({ ...i, shape })) }, slot);
  // RAW first, then the extra inputs in order.
  const order = [expr.inSlots.indexOf(RAW), ...expr.inSlots.map((_, i) => i).filter((i) => expr.inSlots[i] !== RAW)];
  const newIndex = new Map(order.map((old, k) => [old, k]));
  const cache = { from: null as Expr | null, to: null as Expr | null };
  const epilogue = (e: ElementwiseAttrs): EpilogueAttrs => {
    if (cache.from !== e.expr) {
      cache.from = e.expr;
      cache.to = mapLeaves(e.expr, (l) => (l.op === 'input' ? ex.input(newIndex.get(l.index)!) : l));
    }
    return { expr: cache.to!, scalars: e.scalars };
  };
  const extras = order.slice(1);
  const attrsNow = { ...(baseAttrs as object), epilogue: epilogue(expr.c.attrs as ElementwiseAttrs) };
  const er = expr.c.refresh;
  const refresh =
    baseRefresh || er
      ? () => ({
          ...((baseRefresh ? baseRefresh() : baseAttrs) as object),
          epilogue: epilogue((er ? er() : expr.c.attrs) as ElementwiseAttrs),
        })
      : null;
  const inSlots = [...p.inSlots.slice(0, own), ...extras.map((i) => expr.inSlots[i])];
  const inputs = [...p.inputs.slice(0, own), ...extras.map((i) => expr.inputs[i])];
  return {
    c: { ...p.c, attrs: attrsNow, refresh, out: { ...c.c.out, shape: p.c.out.shape }, inputs: [] },
    inSlots, outSlot: c.outSlot, inputs, names: [...p.names, ...c.names],
    epi: { own, attrs: baseAttrs, refresh: baseRefresh, expr },
  };
}

/**
 * The consumer `c` with producer `p` (which makes slot `slot`) substituted into its
 * expression. `scalar`: `p` has one element (so do its inputs), presented as rank 0 so
 * that they broadcast to the consumer's shape, which stays the output's.
 */
export function merge(p: SlotCall, c: SlotCall, slot: number, scalar = false): SlotCall {
  const inSlots: number[] = [];
  const inputs: SlotCall['inputs'][number][] = [];
  const indexOf = (s: number, input: SlotCall['inputs'][number]): number => {
    const have = inSlots.indexOf(s);
    if (have >= 0) return have;
    inSlots.push(s);
    inputs.push(input);
    return inSlots.length - 1;
  };
  const cIndex = c.inSlots.map((s, i) => (s === slot ? -1 : indexOf(s, c.inputs[i])));
  const pIndex = p.inSlots.map((s, i) => indexOf(s, scalar ? { ...p.inputs[i], shape: [] } : p.inputs[i]));
  const pAttrs = p.c.attrs as ElementwiseAttrs;
  const cAttrs = c.c.attrs as ElementwiseAttrs;
  const combine = (pa: ElementwiseAttrs, ca: ElementwiseAttrs): ElementwiseAttrs => {
    const offset = ca.scalars.length;
    const pExpr = mapLeaves(pa.expr, (e) =>
      e.op === 'input' ? ex.input(pIndex[e.index]) : e.op === 'scalar' ? ex.scalar(e.index + offset) : e,
    );
    const expr = mapLeaves(ca.expr, (e) => (e.op === 'input' ? (cIndex[e.index] < 0 ? pExpr : ex.input(cIndex[e.index])) : e));
    return { expr, scalars: [...ca.scalars, ...pa.scalars] };
  };
  const attrs = combine(pAttrs, cAttrs);
  const pr = p.c.refresh;
  const cr = c.c.refresh;
  let refresh: (() => unknown) | null = null;
  if (pr || cr) {
    // Per-replay attributes (a scheduled learning rate): the expression stays, the scalars are re-read.
    const cache = { p: pAttrs.expr, c: cAttrs.expr, expr: attrs.expr as Expr };
    refresh = () => {
      const pa = (pr ? pr() : pAttrs) as ElementwiseAttrs;
      const ca = (cr ? cr() : cAttrs) as ElementwiseAttrs;
      if (pa.expr !== cache.p || ca.expr !== cache.c) {
        cache.p = pa.expr;
        cache.c = ca.expr;
        cache.expr = combine(pa, ca).expr;
      }
      return { expr: cache.expr, scalars: [...ca.scalars, ...pa.scalars] };
    };
  }
  // Shapes equal up to leading 1s: the longer one, so every input still broadcasts to it.
  const out = !scalar && p.c.out.shape.length > c.c.out.shape.length ? { ...c.c.out, shape: p.c.out.shape } : c.c.out;
  const traced: TracedCall = { ...c.c, attrs, refresh, out, inputs: [] };
  return { c: traced, inSlots, outSlot: c.outSlot, inputs, names: [...p.names, ...c.names] };
}
