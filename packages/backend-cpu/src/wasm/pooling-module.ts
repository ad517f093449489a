import { F32, FnBuilder, I32, V128, type Operand } from './encode.js';
import type { ExportOf, PartArgs } from './parts.js';

/**
 * The parameters of both pooling functions, in order (see `maxPoolFn`): the one place their
 * order is written (callers pass records, `PoolArgs`).
 */
export const POOL_PARAMS = [
  'planes', 'H', 'W', 'Ho', 'Wo', 'win', 'x', 'y', 'dx', 'kw', 'sw', 'lo', 'hi', 'padL', 'Wp', 'pbuf', 'tmp',
] as const;

/** Column kernel widths whose window fold is unrolled (others run a loop over the kernel width). */
const UNROLLED_KW = [2, 3];

/**
 * Max pooling over float32 planes, forward or backward from one description:
 * maxPool(planes, H, W, Ho, Wo, win, x, y, dx, kw, sw, lo, hi, padL, Wp, pbuf, tmp), byte
 * addresses for win, x, y, dx, pbuf and tmp. `win` holds four Int32 arrays (row starts, row
 * ends, column starts, column ends of the clipped windows: Ho, Ho, Wo, Wo entries); kw is
 * the kernel width, sw the column stride, padL the left padding. Each output's window is
 * searched for its first maximum in row-major order (a NaN wins, padding is −∞); the
 * forward pass stores its value in y (−∞ for an empty window), the backward pass zeroes
 * dx's plane and adds dy = y[o] into dx at its position (nowhere for an empty window), in
 * output order. The JS reference is kernels/pool.ts (`firstMax`).
 *
 * Fast path, for the output columns [lo, hi) of rows with at least one window row
 * (h0 < h1) in planes without NaN: SIMD over window start columns. Lane w folds
 * x[h0 + dh][w + j] in row-major order with acc = pmax(acc, v) = acc < v ? v : acc, which
 * keeps the first of equal maxima (−0 before +0 stays −0); the backward pass carries the
 * winning offset dh·W + j along (an all −∞ window keeps offset 0, which the scatter moves
 * to the window's first cell inside x). Every sw-th lane is an output. With pbuf = 0,
 * [lo, hi) must be the columns whose windows lie inside x, read in place; otherwise it is
 * the columns whose windows are not empty, and each plane is first copied into pbuf (H
 * rows of Wp ≥ max(padL + W, (Wo − 1)·sw + kw) floats, padded with −∞, which pmax never
 * takes). A plane holding a NaN (found by a SIMD scan; it may read 3 floats of the next
 * plane, so a NaN there only costs speed) and every other output take the general scalar
 * window search. Reads reach up to 3 floats past the ends of x and pbuf, so both need 4
 * floats of slack; `tmp` needs max(W, Wp) + 4 floats.
 */
export function maxPoolFn(backward: boolean): FnBuilder {
  const f = new FnBuilder(new Array(POOL_PARAMS.length).fill(I32));
  const at = Object.fromEntries(POOL_PARAMS.map((name, i) => [name, i])) as PoolArgs;
  const { planes, H, W, Ho, Wo, win, x, y, dx, kw, sw, lo, hi, padL, Wp, pbuf, tmp } = at;
  const i32s = (n: number) => Array.from({ length: n }, () => f.local(I32));
  const [p, oh, ow, h, h0, h1, w0, w1, best, rowp, end, xp, dxp, orow, hs, ws] = i32s(16);
  const [Wb, swb, a, b, base, nb, c, dh, j, q, tp, planeB, rows, src, sb, shift, colA] = i32s(17);
  const [m, v, nan] = [f.local(F32), f.local(F32), f.local(F32)];
  const [acc, vv, idx, cur, mask, one, skip, bad] = Array.from({ length: 8 }, () => f.local(V128));
  /** The NaN scan's partial sums (bad is the first). */
  const sums = [bad, mask, acc, cur];
  /** Pushes table[i] for a window table at byte address `at`. */
  const entry = (at: number, i: number) => f.get(at).get(i).i32(2).shl().add().i32Load();

  /** The scalar search of one output's clipped window (output at orow + 4·ow). */
  const general = () => {
    entry(ws, ow).set(w0);
    f.get(ws).get(Wo).i32(2).shl().add().set(q);
    entry(q, ow).set(w1);
    // Backward: best starts at the window's first element (an all −∞ window still routes there), −1 if empty.
    if (backward) {
      f.get(h0).get(h1).ltS().get(w0).get(w1).ltS().and();
      f.ifElse(() => f.get(h0).get(W).mul().get(w0).add(), () => f.i32(-1), I32).set(best);
    }
    f.f32(-Infinity).set(m);
    if (!backward) f.f32(-Infinity).set(nan);
    f.forLoop(h, { local: h0 }, { local: h1 }, 1, () => {
      f.get(xp).get(h).get(W).mul().get(w0).add().i32(2).shl().add().set(rowp);
      f.get(xp).get(h).get(W).mul().get(w1).add().i32(2).shl().add().set(end);
      f.whileLoop(
        () => f.get(rowp).get(end).ltS(),
        () => {
          f.get(rowp).f32Load().set(v);
          if (backward) {
            // v beats m: m is not NaN and !(v <= m) (v greater, or v NaN).
            f.get(m).get(m).op1('f32Eq').get(v).get(m).op1('f32Le').op1('eqz').and();
            f.ifElse(() => {
              f.get(v).set(m);
              f.get(rowp).get(xp).sub().i32(2).op1('shrS').set(best);
            });
          } else {
            // m = m < v ? v : m keeps the first of equal extremes (−0 before +0 stays −0);
            // nan = max(nan, v) turns NaN for good once any v is NaN (wasm max propagates it).
            f.get(v).get(m).get(m).get(v).op1('f32Lt').selectOp().set(m);
            f.get(nan).get(v).op1('f32Max').set(nan);
          }
          f.get(rowp).i32(4).add().set(rowp);
        },
      );
    });
    if (backward) {
      f.get(best).i32(0).geS();
      f.ifElse(() => {
        f.get(dxp).get(best).i32(2).shl().add().tee(rowp);
        f.get(rowp).f32Load().get(orow).get(ow).i32(2).shl().add().f32Load().f32Add().f32Store();
      });
    } else {
      f.get(orow).get(ow).i32(2).shl().add();
      f.get(nan).get(m).get(nan).get(nan).op1('f32Ne').selectOp().f32Store();
    }
  };

  /** One element of the SIMD fold: the window element at byte address `q` + offset for every lane. */
  const step = (offset: number) => {
    if (backward) {
      f.get(q).v128Load(offset).set(vv);
      // idx = acc < v ? cur : idx, as max(idx, cur & mask): offsets only grow along the fold.
      f.get(acc).get(vv).simd1('f32x4Lt').set(mask);
      f.get(idx).get(cur).get(mask).simd1('v128And').simd1('i32x4MaxS').set(idx);
      f.get(cur).get(one).simd1('i32x4Add').set(cur);
      f.get(acc).get(vv).simd1('f32x4Pmax').set(acc);
    } else {
      f.get(acc).get(q).v128Load(offset).simd1('f32x4Pmax').set(acc);
    }
  };

  /**
   * The fast path of output row oh over the plane at src (row stride sb bytes, window
   * starts shifted right by `shift` columns): fold every window start column of [lo, hi),
   * then pick every sw-th.
   */
  const simdRow = (unrolled: number | null) => {
    // colA = source column of output lo's window; base = its address in row h0; nb = bytes of start columns.
    f.get(lo).get(sw).mul().get(padL).sub().get(shift).add().set(colA);
    f.get(src).get(h0).get(sb).mul().add().get(colA).i32(2).shl().add().set(base);
    f.get(hi).get(lo).sub().i32(1).sub().get(sw).mul().i32(1).add().i32(2).shl().set(nb);
    f.get(h1).get(h0).sub().set(rows);
    f.forLoop(c, 0, { local: nb }, 16, () => {
      f.f32(-Infinity).f32x4Splat().set(acc);
      if (backward) f.v128Zero().tee(idx).set(cur);
      f.get(base).get(c).add().set(rowp);
      f.forLoop(dh, 0, { local: rows }, 1, () => {
        f.get(rowp).set(q);
        if (unrolled !== null) for (let k = 0; k < unrolled; k++) step(4 * k);
        else
          f.forLoop(j, 0, { local: kw }, 1, () => {
            step(0);
            f.get(q).i32(4).add().set(q);
          });
        f.get(rowp).get(sb).add().set(rowp);
        if (backward) f.get(cur).get(skip).simd1('i32x4Add').set(cur);
      });
      f.get(tmp).get(c).add().get(backward ? idx : acc).v128Store();
    });
    f.get(tmp).set(tp);
    f.forLoop(ow, { local: lo }, { local: hi }, 1, () => {
      if (backward) {
        // dx[h0·W + max(col + offset, 0)] += dy[o], col = ow·sw − padL: offset 0 in a window
        // clipped at the left is the all −∞ window's, whose gradient goes to its first cell, column 0.
        f.get(ow).get(sw).mul().get(padL).sub().get(tp).i32Load().add().set(w0);
        f.get(w0).i32(0).get(w0).i32(0).op1('gtS').selectOp().get(h0).get(W).mul().add();
        f.i32(2).shl().get(dxp).add().tee(q);
        f.get(q).f32Load().get(orow).get(ow).i32(2).shl().add().f32Load().f32Add().f32Store();
      } else {
        f.get(orow).get(ow).i32(2).shl().add().get(tp).f32Load().f32Store();
      }
      f.get(tp).get(swb).add().set(tp);
    });
  };

  /** Stores −∞ at the floats [from, to) of the pbuf row at rowp. */
  const fillInf = (from: Operand, to: Operand) => {
    f.forLoop(j, from, to, 1, () => f.get(rowp).get(j).i32(2).shl().add().f32(-Infinity).f32Store());
  };

  /** Copies the plane at xp into pbuf: rows of Wp floats, padL × −∞, the row of x, −∞ up to Wp. */
  const padPlane = () => {
    f.get(padL).get(W).add().set(end);
    f.forLoop(h, 0, { local: H }, 1, () => {
      f.get(pbuf).get(h).get(Wp).mul().i32(2).shl().add().set(rowp);
      fillInf(0, { local: padL });
      // Whole vectors: up to 3 floats spill past the row, into cells written after this.
      f.forLoop(c, 0, { local: Wb }, 16, () => {
        f.get(rowp).get(padL).i32(2).shl().add().get(c).add();
        f.get(xp).get(h).get(Wb).mul().add().get(c).add().v128Load().v128Store();
      });
      fillInf({ local: end }, { local: Wp });
    });
  };

  /**
   * bad ≠ 0 where the plane at xp (read in whole vectors, four per step while they fit)
   * holds a NaN. `exact` tests each vector (v ≠ v); otherwise the plane is summed in four
   * accumulators (one add per vector) and only the sum is tested: a NaN always shows, and
   * so can ∞ − ∞ or an overflow, so a plane flagged that way is scanned again exactly.
   */
  const scan = (exact: boolean) => {
    const vectors = (n: number) => {
      f.get(xp).get(c).add().set(q);
      for (let k = 0; k < n; k++) {
        if (exact) f.get(q).v128Load(16 * k).tee(vv).get(vv).simd1('f32x4Ne').get(bad).simd1('v128Or').set(bad);
        else f.get(q).v128Load(16 * k).get(sums[k]).simd1('f32x4Add').set(sums[k]);
      }
      f.get(c).i32(16 * n).add().set(c);
    };
    for (const v of exact ? [bad] : sums) f.v128Zero().set(v);
    f.i32(0).set(c);
    f.whileLoop(() => f.get(c).i32(48).add().get(planeB).ltS(), () => vectors(4));
    f.whileLoop(() => f.get(c).get(planeB).ltS(), () => vectors(1));
    if (!exact) {
      f.get(sums[0]).get(sums[1]).simd1('f32x4Add').get(sums[2]).get(sums[3]).simd1('f32x4Add').simd1('f32x4Add');
      f.tee(bad).get(bad).simd1('f32x4Ne').set(bad);
    }
  };
  const scanForNaN = () => {
    scan(false);
    f.get(bad).simd1('v128AnyTrue').ifElse(() => scan(true));
  };

  /** Zeroes the dx plane at dxp: whole vectors, then single floats (never past the plane). */
  const zeroPlane = () => {
    f.i32(0).set(c);
    f.whileLoop(() => f.get(c).i32(16).add().get(planeB).op1('leS'), () => {
      f.get(dxp).get(c).add().v128Zero().v128Store();
      f.get(c).i32(16).add().set(c);
    });
    f.whileLoop(() => f.get(c).get(planeB).ltS(), () => {
      f.get(dxp).get(c).add().f32(0).f32Store();
      f.get(c).i32(4).add().set(c);
    });
  };

  f.get(win).set(hs);
  f.get(win).get(Ho).i32(3).shl().add().set(ws);
  f.get(W).i32(2).shl().set(Wb);
  f.get(sw).i32(2).shl().set(swb);
  f.get(H).get(W).mul().i32(2).shl().set(planeB);
  if (backward) {
    f.i32(1).simd1('i32x4Splat').set(one);
    f.get(W).get(kw).sub().simd1('i32x4Splat').set(skip);
  }
  f.forLoop(p, 0, { local: planes }, 1, () => {
    f.get(x).get(p).get(planeB).mul().add().set(xp);
    f.get(dx).get(p).get(planeB).mul().add().set(dxp);
    scanForNaN();
    if (backward) zeroPlane();
    // The fast path reads x itself, or (pbuf ≠ 0, windows clipped at the left or right) a −∞-padded copy.
    f.get(xp).set(src).get(Wb).set(sb).i32(0).set(shift);
    f.get(pbuf).i32(0).ne().get(bad).simd1('v128AnyTrue').eqz().and();
    f.ifElse(() => {
      padPlane();
      f.get(pbuf).set(src).get(Wp).i32(2).shl().set(sb).get(padL).set(shift);
    });
    f.forLoop(oh, 0, { local: Ho }, 1, () => {
      f.get(y).get(p).get(Ho).mul().get(oh).add().get(Wo).mul().i32(2).shl().add().set(orow);
      entry(hs, oh).set(h0);
      f.get(hs).get(Ho).i32(2).shl().add().set(q);
      entry(q, oh).set(h1);
      // General search over [0, a) and [b, Wo); the fast path covers [a, b) = [lo, hi) when it applies.
      f.get(Wo).set(a).get(Wo).set(b);
      f.get(bad).simd1('v128AnyTrue').eqz().get(h0).get(h1).ltS().and().get(lo).get(hi).ltS().and();
      f.ifElse(() => f.get(lo).set(a).get(hi).set(b));
      f.forLoop(ow, 0, { local: a }, 1, general);
      f.get(a).get(b).ltS();
      f.ifElse(() => {
        let chain = () => simdRow(null);
        for (const k of UNROLLED_KW) {
          const rest = chain;
          chain = () => f.get(kw).i32(k).eq().ifElse(() => simdRow(k), rest);
        }
        chain();
      });
      f.forLoop(ow, { local: b }, { local: Wo }, 1, general);
    });
  });
  return f;
}

/** A pooling call's arguments by name (`y` is dy for maxPoolBackward, `dx` 0 for maxPool). */
export type PoolArgs = PartArgs<typeof POOL_PARAMS>;

/** The exports of the pooling module (byte addresses; see `maxPoolFn`). */
export interface PoolingExports {
  readonly maxPool: ExportOf<typeof POOL_PARAMS>;
  /** The same parameters, `y` holding dy. */
  readonly maxPoolBackward: ExportOf<typeof POOL_PARAMS>;
}
