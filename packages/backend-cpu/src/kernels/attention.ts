import { attentionLayout, attentionOffsets, type AttentionAttrs, type AttentionLayout, type Kernel, type TypedArray } from '@tessera/core';
import { allocUninit, valuesOf, wrap } from './storage.js';

/**
 * Fused scaled dot-product attention (core's `scaledDotProductAttention` composite),
 * FlashAttention-style: per score matrix and block of `BLOCK_Q` queries, the keys are
 * visited in blocks of `BLOCK_K`; each block's scores go through an online softmax (running
 * row max and row sum, the accumulated output rescaled when the max grows), so only a
 * BLOCK_Q × BLOCK_K tile of scores ever exists, never the [L, S] matrix the composite
 * materialises (and its softmax, mask and `where` temporaries). Causal attention skips the
 * key blocks after a query block's last row. The two block products (Q·Kᵀ and P·V) come
 * from a `BlockMath`: TypeScript loops here (float64, and float32 without wasm), the wasm
 * SIMD GEMM in attention-wasm.ts.
 */

/** Queries per block (rows of the score tile and of the output block). */
export const BLOCK_Q = 64;
/** Keys per block (columns of the score tile). */
export const BLOCK_K = 128;

/** The two products of a block; offsets are element offsets into q, k, v and the output. */
export interface BlockMath {
  /** The score tile: tile[r·cols + c] = Σₑ q[qAt + r·E + e]·k[kAt + c·E + e]. */
  readonly tile: TypedArray;
  /** The output (read and written: the unnormalised accumulator until the end). */
  readonly out: TypedArray;
  /** The output's row stride: Ev, or Ev + 1 when column Ev receives the row logsumexp. */
  readonly ld: number;
  /** Fills `tile` with the rows × cols block of q·kᵀ. */
  scores(qAt: number, kAt: number, rows: number, cols: number): void;
  /** tile[at + c] = exp(tile[at + c] − shift) for c < n (the wasm SIMD exp under wasm). */
  exp(at: number, n: number, shift: number): void;
  /** out[outAt + r·ld + c] += Σⱼ tile[r·cols + j]·v[vAt + j·Ev + c] for c < Ev. */
  accumulate(vAt: number, outAt: number, rows: number, cols: number): void;
}

/** What the softmax step of one tile needs besides the tile. */
interface TileContext {
  readonly attrs: AttentionAttrs;
  readonly lay: AttentionLayout;
  readonly mask: TypedArray | null;
  /** The mask's offset for this score matrix. */
  readonly maskAt: number;
  /** Running row max and row sum of the query block. */
  readonly rowMax: Float64Array;
  readonly rowSum: Float64Array;
}

/**
 * Turns the raw score tile of queries i0… and keys j0… into exp(x − running max) (scaled,
 * masked), updates the running max and sum, and rescales the output rows accumulated so
 * far when a row's max grew. A row with every key so far masked keeps max −∞ and adds 0.
 */
function softmaxTile(m: BlockMath, t: TileContext, i0: number, j0: number, rows: number, cols: number, outAt: number): void {
  const { tile, out, ld } = m;
  const { attrs: { scale, causal, mask: kind }, lay: { ev, maskRow, maskCol }, mask, rowMax, rowSum } = t;
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    const base = r * cols;
    const mAt = t.maskAt + i * maskRow + j0 * maskCol;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) {
      let x = tile[base + c] * scale;
      if (mask !== null) {
        const mv = mask[mAt + c * maskCol];
        if (kind === 'additive') x += mv;
        else if (mv === 0) x = -Infinity;
      }
      if (causal && j0 + c > i) x = -Infinity;
      tile[base + c] = x;
      if (x > mx) mx = x;
    }
    const old = rowMax[r];
    const top = old > mx ? old : mx;
    if (top === -Infinity) {
      tile.fill(0, base, base + cols);
      continue;
    }
    m.exp(base, cols, top);
    let sum = 0;
    for (let c = base, end = base + cols; c < end; c++) sum += tile[c];
    const corr = Math.exp(old - top); // 0 while the row had no key yet
    rowSum[r] = rowSum[r] * corr + sum;
    rowMax[r] = top;
    if (corr !== 1) for (let o = outAt + r * ld, end = o + ev; o < end; o++) out[o] *= corr;
  }
}

/**
 * The whole op over `m`'s output: every (score matrix, query block), its key blocks, then
 * the division by the row sums (a row whose keys are all masked gives 0/0 = NaN, as the
 * composite and PyTorch do) and, when `m.ld` is Ev + 1, the row logsumexp max + log(sum)
 * in column Ev (−∞ for such a row; 'scaledDotProductAttentionLse').
 */
export function attend(m: BlockMath, lay: AttentionLayout, attrs: AttentionAttrs, mask: TypedArray | null): void {
  const { l, s, e, ev } = lay;
  const { ld } = m;
  const off = attentionOffsets(lay);
  const rowMax = new Float64Array(BLOCK_Q);
  const rowSum = new Float64Array(BLOCK_Q);
  m.out.fill(0, 0, lay.batch * l * ld);
  if (s === 0) {
    // softmax over no keys times an empty v: zeros, as the composite gives; logsumexp −∞.
    if (ld > ev) for (let r = 0; r < lay.batch * l; r++) m.out[r * ld + ev] = -Infinity;
    return;
  }
  for (let b = 0; b < lay.batch; b++) {
    const t: TileContext = { attrs, lay, mask, maskAt: off.mask[b], rowMax, rowSum };
    for (let i0 = 0; i0 < l; i0 += BLOCK_Q) {
      const rows = Math.min(BLOCK_Q, l - i0);
      const outAt = (b * l + i0) * ld;
      rowMax.fill(-Infinity);
      rowSum.fill(0);
      // Causal: the block's last query i0 + rows − 1 sees keys up to itself.
      const keys = attrs.causal ? Math.min(s, i0 + rows) : s;
      for (let j0 = 0; j0 < keys; j0 += BLOCK_K) {
        const cols = Math.min(BLOCK_K, keys - j0);
        m.scores(off.q[b] + i0 * e, off.k[b] + j0 * e, rows, cols);
        softmaxTile(m, t, i0, j0, rows, cols, outAt);
        m.accumulate(off.v[b] + j0 * ev, outAt, rows, cols);
      }
      for (let r = 0; r < rows; r++) {
        const inv = 1 / rowSum[r];
        for (let o = outAt + r * ld, end = o + ev; o < end; o++) m.out[o] *= inv;
        if (ld > ev) m.out[outAt + r * ld + ev] = rowMax[r] + Math.log(rowSum[r]);
      }
    }
  }
}

/** a[at + c] = exp(a[at + c] − shift) for c < n with Math.exp (float64, and float32 without wasm). */
export function tsExp(a: TypedArray, at: number, n: number, shift: number): void {
  for (let c = at, end = at + n; c < end; c++) a[c] = Math.exp(a[c] - shift);
}

/** Block products in TypeScript over the inputs' own arrays (any float dtype). */
function tsMath(q: TypedArray, k: TypedArray, v: TypedArray, out: TypedArray, lay: AttentionLayout, ld: number): BlockMath {
  const { e, ev } = lay;
  const tile = new Float64Array(BLOCK_Q * BLOCK_K);
  return {
    tile, out, ld,
    exp: (at, n, shift) => tsExp(tile, at, n, shift),
    scores(qAt, kAt, rows, cols) {
      for (let r = 0; r < rows; r++) {
        const qr = qAt + r * e;
        for (let c = 0; c < cols; c++) {
          const kr = kAt + c * e;
          let a0 = 0;
          let a1 = 0;
          let x = 0;
          for (; x + 1 < e; x += 2) {
            a0 += q[qr + x] * k[kr + x];
            a1 += q[qr + x + 1] * k[kr + x + 1];
          }
          if (x < e) a0 += q[qr + x] * k[kr + x];
          tile[r * cols + c] = a0 + a1;
        }
      }
    },
    accumulate(vAt, outAt, rows, cols) {
      for (let r = 0; r < rows; r++) {
        const o = outAt + r * ld;
        for (let j = 0; j < cols; j++) {
          const p = tile[r * cols + j];
          if (p === 0) continue;
          const vr = vAt + j * ev;
          for (let c = 0; c < ev; c++) out[o + c] += p * v[vr + c];
        }
      }
    },
  };
}

/** The layout of a kernel call from its inputs q, k, v (and mask). */
export function layoutOf(inputs: readonly { readonly shape: readonly number[] }[]): AttentionLayout {
  return attentionLayout(inputs[0].shape, inputs[1].shape, inputs[2].shape, inputs[3]?.shape);
}

/**
 * The TypeScript fused attention kernel (float32 and float64); with `withLse` the kernel
 * of 'scaledDotProductAttentionLse' (output rows Ev + 1 wide, the logsumexp last).
 */
export function tsAttention(withLse: boolean): Kernel<AttentionAttrs> {
  return ({ inputs, attrs, out }) => {
    const [q, k, v, mask] = inputs.map(valuesOf);
    const y = allocUninit(out.dtype, out.size);
    const lay = layoutOf(inputs);
    attend(tsMath(q, k, v, y, lay, lay.ev + (withLse ? 1 : 0)), lay, attrs, mask ?? null);
    return wrap(y);
  };
}

/** The TypeScript fused attention kernel (float32 and float64). */
export const attention: Kernel<AttentionAttrs> = tsAttention(false);

/** The TypeScript kernel of 'scaledDotProductAttentionLse'. */
export const attentionLse: Kernel<AttentionAttrs> = tsAttention(true);
