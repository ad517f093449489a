import { broadcastShapes } from '../shape.js';

/**
 * How a fused `scaledDotProductAttention` kernel walks its contiguous inputs: the output's
 * batch axes (broadcast over q, k, v and the mask, with adjacent axes that every operand
 * broadcasts alike merged into one), each operand's element stride along them (0 where it
 * broadcasts), and the mask's strides along the score matrix's rows and columns. The one
 * description the backends' attention kernels share.
 */
export interface AttentionLayout {
  /** Sizes of the (merged) batch axes of the output, outermost first; [] for one matrix. */
  readonly batchShape: readonly number[];
  /** Number of (L, S) score matrices: the product of `batchShape`. */
  readonly batch: number;
  /** Queries L, keys S, q/k feature size E, v feature size Ev. */
  readonly l: number;
  readonly s: number;
  readonly e: number;
  readonly ev: number;
  /** Element strides along `batchShape` of q [.., L, E], k [.., S, E], v [.., S, Ev] and the mask (zeros without one). */
  readonly strides: {
    readonly q: readonly number[];
    readonly k: readonly number[];
    readonly v: readonly number[];
    readonly mask: readonly number[];
  };
  /** The mask's element strides along the score rows (queries) and columns (keys); 0 where it broadcasts. */
  readonly maskRow: number;
  readonly maskCol: number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape` right-aligned to `rank` axes, 0 on broadcast (size-1 or missing) axes. */
function alignedStrides(shape: readonly number[], rank: number): number[] {
  const out = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, j = rank - 1; i >= 0; i--, j--) {
    out[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return out;
}

/**
 * The layout of one attention call from its input shapes (already checked by the op's
 * inference): q [..., L, E], k [..., S, E], v [..., S, Ev], mask broadcastable to [..., L, S].
 *
 * @example
 * const lay = attentionLayout([2, 8, 128, 64], [2, 8, 128, 64], [2, 8, 128, 64], [2, 1, 1, 128]);
 * // lay.batchShape [2, 8]; lay.strides.mask [128, 0]; lay.maskRow 0, lay.maskCol 1
 */
export function attentionLayout(
  q: readonly number[],
  k: readonly number[],
  v: readonly number[],
  mask?: readonly number[],
): AttentionLayout {
  const [l, e] = q.slice(-2);
  const [s] = k.slice(-2);
  const ev = v[v.length - 1];
  const bq = q.slice(0, -2);
  const bk = k.slice(0, -2);
  const bv = v.slice(0, -2);
  const bm = mask ? mask.slice(0, -2) : [];
  const full = broadcastShapes('scaledDotProductAttention', bq, bk, bv, bm);
  const rank = full.length;
  // Each operand's batch strides in units of its whole matrices, then scaled to elements.
  const per = [
    alignedStrides(bq, rank).map((x) => x * l * e),
    alignedStrides(bk, rank).map((x) => x * s * e),
    alignedStrides(bv, rank).map((x) => x * s * ev),
  ];
  const ms = mask ? alignedStrides(mask, rank + 2) : new Array<number>(rank + 2).fill(0);
  per.push(ms.slice(0, rank));
  // Merge axis d into the one before it when every operand's stride chains (stride[d-1] = stride[d]·size[d]).
  const shape: number[] = [];
  const strides: number[][] = per.map(() => []);
  for (let d = 0; d < rank; d++) {
    if (full[d] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && per.every((st, o) => strides[o][last] === st[d] * full[d])) {
      shape[last] *= full[d];
      per.forEach((st, o) => (strides[o][last] = st[d]));
      continue;
    }
    shape.push(full[d]);
    per.forEach((st, o) => strides[o].push(st[d]));
  }
  return {
    batchShape: shape, batch: prod(shape), l, s, e, ev,
    strides: { q: strides[0], k: strides[1], v: strides[2], mask: strides[3] },
    maskRow: ms[rank], maskCol: ms[rank + 1],
  };
}

/**
 * The element offsets of q, k, v and the mask for each of the layout's `batch` score
 * matrices, as four Int32Arrays (in the order of a row-major walk over `batchShape`).
 */
export function attentionOffsets(lay: AttentionLayout): { q: Int32Array; k: Int32Array; v: Int32Array; mask: Int32Array } {
  const names = ['q', 'k', 'v', 'mask'] as const;
  const out = { q: new Int32Array(lay.batch), k: new Int32Array(lay.batch), v: new Int32Array(lay.batch), mask: new Int32Array(lay.batch) };
  const rank = lay.batchShape.length;
  for (let b = 0; b < lay.batch; b++) {
    let rem = b;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % lay.batchShape[d];
      rem = (rem - c) / lay.batchShape[d];
      for (const n of names) out[n][b] += c * lay.strides[n][d];
    }
  }
  return out;
}
