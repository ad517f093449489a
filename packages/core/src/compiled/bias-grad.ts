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

/** How one kind of weight-gradient call reads the gradient dz that a bias gradient sums. */
interface WeightGrad {
  /** The bias gradient's rank and axis this weight gradient pairs with. */
  readonly rank: number;
  /** Which input of the weight-gradient call is dz. */
  readonly dzInput: number;
  /** Whether call `c` (named as this entry) can take the ones column for a dz of `shape`. */
  readonly fits: (c: SlotCall, shape: readonly number[]) => boolean;
}

/**
 * The weight gradients a bias gradient merges into, by kernel name, when the backend says
 * so: a dense layer's dzᵀ·x (`matmulOnesColumn`, dz [batch, out], bias along axis 1) and a
 * convolution's filter gradient (`conv2dBackpropFilterOnesColumn`, NCHW dz, bias along the
 * channels: the implicit GEMM's K is N·Ho·Wo, so dz summed over K is the bias gradient).
 */
function weightGrads(backend: BackendImpl): Map<string, WeightGrad> {
  const m = new Map<string, WeightGrad>();
  if (backend.matmulOnesColumn) m.set('matmul', { rank: 2, dzInput: 0, fits: denseFits });
  if (backend.conv2dBackpropFilterOnesColumn) m.set('conv2dBackpropFilter', { rank: 4, dzInput: 1, fits: () => true });
  return m;
}

/**
 * Merges a `biasAddGrad(dz)` along axis 1 with the weight gradient that reads the same dz
 * (a dense layer's `matmul(dz, x, transposeA)` = dzᵀ·x, or a convolution's
 * `conv2dBackpropFilter(x, dz)`) into one two-output call with `onesColumn: true`, on
 * backends that accept it. The merged call runs where the later of the two ran; the earlier
 * one's output must not be read before that. Values: db is summed in the GEMM's order
 * instead of the reduction's (equal within float32 rounding).
 */
export function mergeBiasGrads(calls: readonly SlotCall[], backend: BackendImpl | undefined): SlotCall[] {
  const kinds = backend ? weightGrads(backend) : new Map<string, WeightGrad>();
  if (kinds.size === 0) return [...calls];
  const firstRead = new Map<number, number>();
  calls.forEach((c, k) => {
    for (const s of c.inSlots) if (!firstRead.has(s)) firstRead.set(s, k);
  });
  const replaced = new Map<number, SlotCall>();
  const gone = new Set<number>();
  calls.forEach((g, gi) => {
    if (!isBiasGrad(g)) return;
    const dz = g.inSlots[0];
    const shape = g.inputs[0].shape;
    const mi = calls.findIndex((m, k) => {
      const kind = kinds.get(m.c.def.name);
      return !gone.has(k) && !replaced.has(k) && kind?.rank === shape.length && isPlain(m) && m.inSlots[kind.dzInput] === dz &&
        kind.fits(m, shape);
    });
    if (mi < 0) return;
    const [early, late] = gi < mi ? [gi, mi] : [mi, gi];
    if ((firstRead.get(calls[early].outSlot) ?? Infinity) <= late) return;
    const m = calls[mi];
    replaced.set(late, {
      ...m,
      c: { ...m.c, attrs: { ...(m.c.attrs as object), onesColumn: true }, refresh: null },
      outSlots: [m.outSlot, g.outSlot],
      names: [...m.names, ...g.names],
    });
    gone.add(early);
  });
  return calls.flatMap((c, k) => (gone.has(k) ? [] : [replaced.get(k) ?? c]));
}

/** A `biasAddGrad` along axis 1 (the last axis of a 2-D gradient, the channels of an NCHW one). */
function isBiasGrad(c: SlotCall): boolean {
  const shape = c.inputs[0]?.shape;
  return c.c.def.name === 'biasAddGrad' && !c.outSlots && (shape?.length === 2 || shape?.length === 4) &&
    (c.c.attrs as { axis: number }).axis === 1;
}

/** A two-input call with no epilogue, one output and fixed attributes. */
function isPlain(c: SlotCall): boolean {
  return !c.epi && !c.outSlots && !c.c.refresh && c.inSlots.length === 2;
}

/** A batch-1 `matmul(dz, x)` with transposeA whose a is dz of shape [K, M]. */
function denseFits(c: SlotCall, shape: readonly number[]): boolean {
  const t = c.c.attrs as { transposeA: boolean; transposeB: boolean };
  const a = c.inputs[0].shape;
  const b = c.inputs[1].shape;
  const [ba, k, m] = a.length === 3 ? a : [1, a[0], a[1]];
  const bb = b.length === 3 ? b[0] : 1;
  return t.transposeA && !t.transposeB && ba === 1 && bb === 1 && k === shape[0] && m === shape[1];
}
