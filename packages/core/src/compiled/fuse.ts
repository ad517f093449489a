import type { DType } from '../dtype.js';
import { ex, mapLeaves, type ElementwiseAttrs, type Expr } from '../expr/ir.js';
import type { TracedCall } from '../trace.js';

/**
 * Elementwise fusion of a traced program (docs/expressions.md): an `elementwise` call whose
 * output is read by exactly one other `elementwise` call, with the same shape, and does not
 * escape the step is substituted into that reader's expression. One pass in call order
 * suffices: a producer has already absorbed its own producers when its reader is reached.
 */

/** A call of the program under construction: the traced call and its slots. */
export interface SlotCall {
  readonly c: TracedCall;
  readonly inSlots: readonly number[];
  readonly outSlot: number;
  readonly inputs: readonly { dataId: object; readonly shape: readonly number[]; readonly dtype: DType; readonly size: number }[];
  /** Op names merged into this call (for stats and messages). */
  readonly names: readonly string[];
}

/**
 * Most inputs a fused kernel reads: WebGPU guarantees 8 storage buffers per shader stage
 * (one is the output), and the CPU's wasm rows take their operands as arguments.
 */
export const MAX_FUSED_INPUTS = 6;

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Fuses elementwise chains; `escaping` holds the slots the step hands out or keeps (their
 * values must exist), and these are never fused away.
 */
export function fuseElementwise(calls: readonly SlotCall[], escaping: ReadonlySet<number>): SlotCall[] {
  const readers = new Map<number, number>();
  for (const call of calls) for (const s of new Set(call.inSlots)) readers.set(s, (readers.get(s) ?? 0) + 1);
  const producer = new Map<number, SlotCall>();
  const gone = new Set<SlotCall>();
  const out: SlotCall[] = [];
  for (const original of calls) {
    let call = original;
    if (call.c.elementwise) {
      for (;;) {
        const slot = call.inSlots.find((s) => {
          const p = producer.get(s);
          return p !== undefined && !gone.has(p) && readers.get(s) === 1 && !escaping.has(s) && sameShape(p.c.out.shape, call.c.out.shape) &&
            new Set([...call.inSlots.filter((x) => x !== s), ...p.inSlots]).size <= MAX_FUSED_INPUTS;
        });
        if (slot === undefined) break;
        const p = producer.get(slot)!;
        gone.add(p);
        call = merge(p, call, slot);
      }
    }
    out.push(call);
    if (call.c.elementwise) producer.set(call.outSlot, call);
  }
  return out.filter((c) => !gone.has(c));
}

/** The consumer `c` with producer `p` (which makes slot `slot`) substituted into its expression. */
function merge(p: SlotCall, c: SlotCall, slot: number): SlotCall {
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
  const pIndex = p.inSlots.map((s, i) => indexOf(s, p.inputs[i]));
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
  const traced: TracedCall = { ...c.c, attrs, refresh, inputs: [] };
  return { c: traced, inSlots, outSlot: c.outSlot, inputs, names: [...p.names, ...c.names] };
}
