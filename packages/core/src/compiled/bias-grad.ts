import type { BackendImpl } from '../backend.js';
import type { SlotCall } from './fuse.js';

/**
 * Attributes of a `matmul` call that also returns op(a)·1 (see `BackendImpl.matmulOnesColumn`):
 * the product first, op(a) summed over K ([M]) second.
 */
export interface MatmulOnesColumnAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly onesColumn: true;
}

/**
 * Merges a `biasAddGrad(dz)` over the last axis of a 2-D dz with the weight gradient
 * `matmul(dz, x, transposeA)` (a [out, in] weight's dzᵀ·x) that reads the same dz (a dense
 * layer's two parameter gradients) into one two-output matmul call, on backends with `matmulOnesColumn`. The merged
 * call runs where the later of the two ran; the earlier one's output must not be read
 * before that. Values: db is summed in the GEMM's order instead of the reduction's (equal
 * within float32 rounding).
 */
export function mergeBiasGrads(calls: readonly SlotCall[], backend: BackendImpl | undefined): SlotCall[] {
  if (!backend?.matmulOnesColumn) return [...calls];
  const firstRead = new Map<number, number>();
  calls.forEach((c, k) => {
    for (const s of c.inSlots) if (!firstRead.has(s)) firstRead.set(s, k);
  });
  const replaced = new Map<number, SlotCall>();
  const gone = new Set<number>();
  calls.forEach((g, gi) => {
    if (!isBiasGrad(g)) return;
    const dz = g.inSlots[0];
    const mi = calls.findIndex((m, k) => !gone.has(k) && !replaced.has(k) && isWeightGrad(m, dz, g.inputs[0].shape));
    if (mi < 0) return;
    const [early, late] = gi < mi ? [gi, mi] : [mi, gi];
    if ((firstRead.get(calls[early].outSlot) ?? Infinity) <= late) return;
    const m = calls[mi];
    const attrs: MatmulOnesColumnAttrs = { ...(m.c.attrs as { transposeA: boolean; transposeB: boolean }), onesColumn: true };
    replaced.set(late, {
      ...m,
      c: { ...m.c, attrs, refresh: null },
      outSlots: [m.outSlot, g.outSlot],
      names: [...m.names, ...g.names],
    });
    gone.add(early);
  });
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

/** A `biasAddGrad` over the last axis of a 2-D gradient. */
function isBiasGrad(c: SlotCall): boolean {
  const shape = c.inputs[0]?.shape;
  return c.c.def.name === 'biasAddGrad' && !c.outSlots && shape?.length === 2 && (c.c.attrs as { axis: number }).axis === 1;
}

/** A plain (no epilogue, batch 1) `matmul(dz, x)` with transposeA whose a is slot `dz` of shape [K, M]. */
function isWeightGrad(c: SlotCall, dz: number, shape: readonly number[]): boolean {
  if (c.c.def.name !== 'matmul' || c.epi || c.outSlots || c.c.refresh || c.inSlots.length !== 2 || c.inSlots[0] !== dz) return false;
  const t = c.c.attrs as { transposeA: boolean; transposeB: boolean };
  const a = c.inputs[0].shape;
  const b = c.inputs[1].shape;
  const [ba, k, m] = a.length === 3 ? a : [1, a[0], a[1]];
  const bb = b.length === 3 ? b[0] : 1;
  return t.transposeA && !t.transposeB && ba === 1 && bb === 1 && k === shape[0] && m === shape[1];
}
