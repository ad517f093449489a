import { FnBuilder, I32, V128 } from './encode.js';

/*
 * Winograd F(2×2, 3×3) transforms (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016): a 3×3 stride-1 convolution computes each 2×2 output tile from a 4×4
 * input tile d as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, so the 16 element-wise products of a
 * tile, summed over input channels, are 16 GEMMs (one per tile position ξ) of
 * U[ξ] (O × C) by V[ξ] (C × tiles). These functions are the two data transforms, each
 * four tiles (of one tile row) per f32x4.
 *
 *   Bᵀ = | 1  0 −1  0 |        Aᵀ = | 1  1  1  0 |
 *        | 0  1  1  0 |             | 0  1 −1 −1 |
 *        | 0 −1  1  0 |
 *        | 0  1  0 −1 |
 */

/** Pushes Bᵀ-combination `i` of four values (rows or columns) held in locals `x`. */
function inCombo(f: FnBuilder, x: readonly number[], i: number): void {
  const [a, b, op] = ([[0, 2, 'f32x4Sub'], [1, 2, 'f32x4Add'], [2, 1, 'f32x4Sub'], [1, 3, 'f32x4Sub']] as const)[i];
  f.get(x[a]).get(x[b]).simd1(op);
}

/** Pushes Aᵀ-combination `i` of four values held in locals `x`: x0+x1+x2, or x1−x2−x3. */
function outCombo(f: FnBuilder, x: readonly number[], i: number): void {
  if (i === 0) f.get(x[0]).get(x[1]).simd1('f32x4Add').get(x[2]).simd1('f32x4Add');
  else f.get(x[1]).get(x[2]).simd1('f32x4Sub').get(x[3]).simd1('f32x4Sub');
}

/**
 * winoIn(src, H, W, pad, Wp, r0, rows, pt, pl, v, ldx, nTy, nTxp): the input transform of
 * one channel plane over a band of nTy tile rows. First the band's padded rows r0…r0+rows−1
 * (padded row r is source row r − pt; zero outside the plane) go to `pad` (rows × Wp floats,
 * plus 4 of slack), then tile (ty, tx) — its 4×4 patch at padded (2ty, 2tx) of the band —
 * becomes V[ξ][ty·nTxp + tx] = (Bᵀ d B)[ξ] at byte `v + 4·(ξ·ldx + ty·nTxp + tx)`.
 * nTxp is a multiple of 4 and Wp = 2·nTxp + 2, so every load stays in the padded rows.
 */
export function winoInFn(): FnBuilder {
  const f = new FnBuilder(new Array(13).fill(I32));
  const [src, H, W, pad, Wp, r0, rows, pt, pl, v, ldx, nTy, nTxp] = Array.from({ length: 13 }, (_, i) => i);
  const [j, n4, pr, ih, cols, s, d, ty, tx, row, dst, ldxb, p] = Array.from({ length: 13 }, () => f.local(I32));
  const e = Array.from({ length: 16 }, () => f.local(V128));
  const ld = Array.from({ length: 4 }, () => f.local(V128));
  const col = Array.from({ length: 4 }, () => f.local(V128));
  // Zero the padded band (whole vectors: the scratch has slack).
  f.get(rows).get(Wp).mul().i32(3).add().i32(-4).and().set(n4);
  f.forLoop(j, 0, { local: n4 }, 4, () => f.get(pad).get(j).i32(2).shl().add().v128Zero().v128Store());
  // Copy the plane's rows that fall in the band: min(W, Wp − pl) floats each, at column pl.
  f.get(Wp).get(pl).sub().get(W).get(Wp).get(pl).sub().get(W).ltS().selectOp().set(cols);
  f.forLoop(pr, 0, { local: rows }, 1, () => {
    f.get(r0).get(pr).add().get(pt).sub().tee(ih).get(H).op1('ltU');
    f.ifElse(() => {
      f.get(src).get(ih).get(W).mul().i32(2).shl().add().set(s);
      f.get(pad).get(pr).get(Wp).mul().get(pl).add().i32(2).shl().add().set(d);
      f.i32(0).set(j);
      f.whileLoop(
        () => f.get(j).i32(3).add().get(cols).ltS(),
        () => {
          f.get(d).get(j).i32(2).shl().add().get(s).get(j).i32(2).shl().add().v128Load().v128Store();
          f.get(j).i32(4).add().set(j);
        },
      );
      f.whileLoop(
        () => f.get(j).get(cols).ltS(),
        () => {
          f.get(d).get(j).i32(2).shl().add().get(s).get(j).i32(2).shl().add().f32Load().f32Store();
          f.get(j).i32(1).add().set(j);
        },
      );
    });
  });
  f.get(ldx).i32(2).shl().set(ldxb);
  f.forLoop(ty, 0, { local: nTy }, 1, () => {
    f.get(pad).get(ty).i32(1).shl().get(Wp).mul().i32(2).shl().add().set(row);
    f.get(v).get(ty).get(nTxp).mul().i32(2).shl().add().set(dst);
    f.forLoop(tx, 0, { local: nTxp }, 4, () => {
      // Patch row r of four tiles: columns 2(tx+l)+k of lanes l, then Bᵀ across the row (d B).
      for (let r = 0; r < 4; r++) {
        f.get(row).get(tx).i32(3).shl().add().get(Wp).i32(4 * r).mul().add().set(p);
        f.get(p).v128Load(0).set(ld[0]);
        f.get(p).v128Load(16).set(ld[1]);
        f.get(p).v128Load(8).set(ld[2]);
        f.get(p).v128Load(24).set(ld[3]);
        f.get(ld[0]).get(ld[1]).shuffle32([0, 2, 4, 6]).set(col[0]);
        f.get(ld[0]).get(ld[1]).shuffle32([1, 3, 5, 7]).set(col[1]);
        f.get(ld[2]).get(ld[3]).shuffle32([0, 2, 4, 6]).set(col[2]);
        f.get(ld[2]).get(ld[3]).shuffle32([1, 3, 5, 7]).set(col[3]);
        for (let k = 0; k < 4; k++) {
          inCombo(f, col, k);
          f.set(e[4 * r + k]);
        }
      }
      // Bᵀ down the columns; V[4i + k] goes to its matrix, ldx floats apart.
      f.get(dst).get(tx).i32(2).shl().add().set(p);
      for (let i = 0; i < 4; i++) {
        for (let k = 0; k < 4; k++) {
          f.get(p);
          inCombo(f, [e[k], e[4 + k], e[8 + k], e[12 + k]], i);
          f.v128Store();
          f.get(p).get(ldxb).add().set(p);
        }
      }
    });
  });
  return f;
}

/**
 * winoOut(m, ldx, ldp, y, Ho, Wo, oy0, nTy, nTxp, nTx, O): the output transform of a band of
 * nTy tile rows of one image, every output channel: M[ξ][o][ty·nTxp + tx] at byte
 * `m + 4·(ξ·ldx + o·ldp + ty·nTxp + tx)` becomes the 2×2 tile Aᵀ M A at output rows
 * oy0 + 2ty (+1) and columns 2tx (+1) of channel o's plane (Ho × Wo at byte y + 4·o·Ho·Wo).
 * Tiles at tx ≥ nTx (padding of the tile row) and pixels past Ho or Wo are not stored.
 */
export function winoOutFn(): FnBuilder {
  const f = new FnBuilder(new Array(11).fill(I32));
  const [m, ldx, ldp, y, Ho, Wo, oy0, nTy, nTxp, nTx, O] = Array.from({ length: 11 }, (_, i) => i);
  const [o, ty, tx, src, p, plane, oy, ox, at, ldxb, left] = Array.from({ length: 11 }, () => f.local(I32));
  const mv = Array.from({ length: 16 }, () => f.local(V128));
  const g = Array.from({ length: 8 }, () => f.local(V128));
  const yv = Array.from({ length: 4 }, () => f.local(V128));
  const lo = f.local(V128);
  const hi = f.local(V128);
  f.get(ldx).i32(2).shl().set(ldxb);
  /** Stores one output row's 8 values (lo, hi) at `at`, clipped to `left` = Wo − ox pixels. */
  const storeRow = () => {
    f.get(left).i32(8).geS();
    f.ifElse(
      () => {
        f.get(at).get(lo).v128Store(0);
        f.get(at).get(hi).v128Store(16);
      },
      () => {
        for (let l = 0; l < 8; l++) {
          f.get(left).i32(l).op1('gtS');
          f.ifElse(() => f.get(at).get(l < 4 ? lo : hi).store32Lane(l % 4, 4 * l));
        }
      },
    );
  };
  f.forLoop(o, 0, { local: O }, 1, () => {
    f.get(y).get(o).get(Ho).mul().get(Wo).mul().i32(2).shl().add().set(plane);
    f.forLoop(ty, 0, { local: nTy }, 1, () => {
      f.get(oy0).get(ty).i32(1).shl().add().set(oy);
      f.get(m).get(o).get(ldp).mul().get(ty).get(nTxp).mul().add().i32(2).shl().add().set(src);
      f.forLoop(tx, 0, { local: nTx }, 4, () => {
        f.get(src).get(tx).i32(2).shl().add().set(p);
        for (let xi = 0; xi < 16; xi++) {
          f.get(p).v128Load().set(mv[xi]);
          if (xi < 15) f.get(p).get(ldxb).add().set(p);
        }
        // Aᵀ down the columns (two rows per column), then across each of the two rows.
        for (let k = 0; k < 4; k++) {
          for (let i = 0; i < 2; i++) {
            outCombo(f, [mv[k], mv[4 + k], mv[8 + k], mv[12 + k]], i);
            f.set(g[4 * i + k]);
          }
        }
        for (let i = 0; i < 2; i++) {
          for (let k = 0; k < 2; k++) {
            outCombo(f, g.slice(4 * i, 4 * i + 4), k);
            f.set(yv[2 * i + k]);
          }
        }
        f.get(tx).i32(1).shl().set(ox);
        f.get(Wo).get(ox).sub().set(left);
        for (let i = 0; i < 2; i++) {
          // Row oy + i: pixels (2·tile + k) interleave the tiles' two columns.
          f.get(yv[2 * i]).get(yv[2 * i + 1]).shuffle32([0, 4, 1, 5]).set(lo);
          f.get(yv[2 * i]).get(yv[2 * i + 1]).shuffle32([2, 6, 3, 7]).set(hi);
          f.get(plane).get(oy).i32(i).add().get(Wo).mul().get(ox).add().i32(2).shl().add().set(at);
          if (i === 0) storeRow();
          else {
            f.get(oy).i32(1).add().get(Ho).ltS();
            f.ifElse(storeRow);
          }
        }
      });
    });
  });
  return f;
}

/**
 * winoGrad(src, Ho, Wo, pad, Wp, r0, rows, v, ldx, nTy, nTxp): the transform of the output
 * gradient for the filter gradient. By the transposition principle the filter gradient of
 * a tile is Gᵀ [(A E Aᵀ) ⊙ (Bᵀ D B)] G for its 2×2 output gradient E and 4×4 input patch D
 * (the same D as the forward's), so summed over tiles it is 16 GEMMs of K = tiles. This
 * writes (A E Aᵀ)[ξ] of tile (ty, tx) — E at rows r0 + 2ty (+1), columns 2tx (+1) of one
 * channel's plane (Ho × Wo at `src`, zero past its edges, staged through `pad`: rows × Wp
 * floats plus 4 of slack) — at byte `v + 4·(ξ·ldx + ty·nTxp + tx)`. A e = (e₀, e₀ + e₁, e₀ − e₁, −e₁).
 */
export function winoGradFn(): FnBuilder {
  const f = new FnBuilder(new Array(11).fill(I32));
  const [src, Ho, Wo, pad, Wp, r0, rows, v, ldx, nTy, nTxp] = Array.from({ length: 11 }, (_, i) => i);
  const [j, n4, pr, ih, cols, s, d, ty, tx, row, dst, ldxb, p] = Array.from({ length: 13 }, () => f.local(I32));
  const e = Array.from({ length: 4 }, () => f.local(V128));
  const t = Array.from({ length: 8 }, () => f.local(V128));
  const ld = Array.from({ length: 2 }, () => f.local(V128));
  f.get(rows).get(Wp).mul().i32(3).add().i32(-4).and().set(n4);
  f.forLoop(j, 0, { local: n4 }, 4, () => f.get(pad).get(j).i32(2).shl().add().v128Zero().v128Store());
  f.get(Wp).get(Wo).get(Wp).get(Wo).ltS().selectOp().set(cols);
  f.forLoop(pr, 0, { local: rows }, 1, () => {
    f.get(r0).get(pr).add().tee(ih).get(Ho).op1('ltU');
    f.ifElse(() => {
      f.get(src).get(ih).get(Wo).mul().i32(2).shl().add().set(s);
      f.get(pad).get(pr).get(Wp).mul().i32(2).shl().add().set(d);
      f.forLoop(j, 0, { local: cols }, 1, () => f.get(d).get(j).i32(2).shl().add().get(s).get(j).i32(2).shl().add().f32Load().f32Store());
    });
  });
  /** Pushes combination i of A·(x₀, x₁): x₀, x₀ + x₁, x₀ − x₁, −x₁. */
  const combo = (x0: number, x1: number, i: number) => {
    if (i === 0) f.get(x0);
    else if (i === 1) f.get(x0).get(x1).simd1('f32x4Add');
    else if (i === 2) f.get(x0).get(x1).simd1('f32x4Sub');
    else f.get(x1).simd1('f32x4Neg');
  };
  f.get(ldx).i32(2).shl().set(ldxb);
  f.forLoop(ty, 0, { local: nTy }, 1, () => {
    f.get(pad).get(ty).i32(1).shl().get(Wp).mul().i32(2).shl().add().set(row);
    f.get(v).get(ty).get(nTxp).mul().i32(2).shl().add().set(dst);
    f.forLoop(tx, 0, { local: nTxp }, 4, () => {
      // The two rows of four tiles' E, then A across each row.
      for (let r = 0; r < 2; r++) {
        f.get(row).get(tx).i32(3).shl().add().get(Wp).i32(4 * r).mul().add().set(p);
        f.get(p).v128Load(0).set(ld[0]);
        f.get(p).v128Load(16).set(ld[1]);
        f.get(ld[0]).get(ld[1]).shuffle32([0, 2, 4, 6]).set(e[2 * r]);
        f.get(ld[0]).get(ld[1]).shuffle32([1, 3, 5, 7]).set(e[2 * r + 1]);
        for (let k = 0; k < 4; k++) {
          combo(e[2 * r], e[2 * r + 1], k);
          f.set(t[4 * r + k]);
        }
      }
      // A down the columns; value ξ = 4i + k to its matrix.
      f.get(dst).get(tx).i32(2).shl().add().set(p);
      for (let i = 0; i < 4; i++) {
        for (let k = 0; k < 4; k++) {
          f.get(p);
          combo(t[k], t[4 + k], i);
          f.v128Store();
          f.get(p).get(ldxb).add().set(p);
        }
      }
    });
  });
  return f;
}

/** The exports of the Winograd transforms (byte addresses; sizes and strides in elements). */
export interface WinogradExports {
  readonly winoIn: (...args: number[]) => void;
  readonly winoOut: (...args: number[]) => void;
  readonly winoGrad: (...args: number[]) => void;
}
