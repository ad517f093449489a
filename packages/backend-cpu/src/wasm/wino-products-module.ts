import { FnBuilder, I32, V128 } from './encode.js';

/*
 * The 16 products of a Winograd block (see winograd-module.ts for the transforms), in one
 * call each, for the small channel counts of CIFAR-sized networks: the general GEMM would
 * pack V (or gather Vᵀ, for the filter gradient) 16 times per block for products whose K or
 * M is only 16–64. Here V is read in place, row by row, and the register tiles are fixed.
 */

/** Output-channel rows of winoMul's register tile (its packed U's row blocks). */
export const MUL_ROWS = 4;

/** Pushes x + a·b for the vectors in locals x, a, b (one fused multiply-add with `fma`: relaxed SIMD). */
function madd(f: FnBuilder, fma: boolean, x: number, a: number, b: number): void {
  if (fma) f.get(a).get(b).get(x).f32x4RelaxedMadd();
  else f.get(x).get(a).get(b).f32x4Mul().f32x4Add();
}

/**
 * winoMul(up, v, vx, m, mx, O, C, P): M[ξ] (O × P) = U[ξ] (O × C) · V[ξ] (C × P) for the 16 ξ,
 * with V[ξ][c][p] at byte `v + 4·(ξ·vx + c·P + p)` and M[ξ][o][p] at byte `m + 4·(ξ·mx + o·P + p)`;
 * P is a multiple of 4 (the ξ strides vx ≥ C·P and mx ≥ O·P are skewed off multiples of 4 KiB by
 * the caller: 16 streams that far apart would share one set of the L1 cache). U comes packed
 * (`packU` in winograd.ts): for each ξ, ⌈O/4⌉ blocks of C columns of 4 rows (zero past O), so
 * a tile's four splats sit at immediate offsets.
 * Register tile: 4 rows × 8 tiles (8 accumulators), 4 tiles at a row's end; `fma` fuses
 * each multiply-add (relaxed SIMD, where the engine validates it).
 */
export function winoMulFn(fma: boolean): FnBuilder {
  const f = new FnBuilder(new Array(8).fill(I32));
  const [up, v, vx, m, mx, O, C, P] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [xi, ob, p0, c, a, b, rows, dst, ub, vb, mb, Pb, Ob] = Array.from({ length: 13 }, () => f.local(I32));
  const acc = Array.from({ length: 2 * MUL_ROWS }, () => f.local(V128));
  const bv = [f.local(V128), f.local(V128)];
  const s = f.local(V128);
  /** One register tile of `nv` vectors of tiles at column p0 of block ob. */
  const tile = (nv: 1 | 2) => {
    for (let i = 0; i < MUL_ROWS * nv; i++) f.v128Zero().set(acc[i]);
    f.get(ub).get(ob).get(C).mul().i32(4 * MUL_ROWS).mul().add().set(a);
    f.get(vb).get(p0).i32(2).shl().add().set(b);
    f.forLoop(c, 0, { local: C }, 1, () => {
      for (let j = 0; j < nv; j++) f.get(b).v128Load(16 * j).set(bv[j]);
      for (let r = 0; r < MUL_ROWS; r++) {
        f.get(a).load32Splat(4 * r).set(s);
        for (let j = 0; j < nv; j++) {
          const x = acc[r * nv + j];
          madd(f, fma, x, s, bv[j]);
          f.set(x);
        }
      }
      f.get(a).i32(4 * MUL_ROWS).add().set(a);
      f.get(b).get(Pb).add().set(b);
    });
    // Rows past O (the packed block's zero rows) are not stored.
    f.get(mb).get(ob).i32(MUL_ROWS).mul().get(P).mul().get(p0).add().i32(2).shl().add().set(dst);
    for (let r = 0; r < MUL_ROWS; r++) {
      const store = () => {
        for (let j = 0; j < nv; j++) f.get(dst).get(acc[r * nv + j]).v128Store(16 * j);
        f.get(dst).get(Pb).add().set(dst);
      };
      if (r === 0) store();
      else {
        f.get(rows).i32(r).op1('gtS');
        f.ifElse(store);
      }
    }
  };
  f.get(P).i32(2).shl().set(Pb);
  f.get(O).i32(MUL_ROWS - 1).add().i32(MUL_ROWS).op1('divS').set(Ob);
  f.forLoop(xi, 0, 16, 1, () => {
    f.get(up).get(xi).get(Ob).mul().get(C).mul().i32(4 * MUL_ROWS).mul().add().set(ub);
    f.get(v).get(xi).get(vx).mul().i32(2).shl().add().set(vb);
    f.get(m).get(xi).get(mx).mul().i32(2).shl().add().set(mb);
    f.forLoop(ob, 0, { local: Ob }, 1, () => {
      f.get(O).get(ob).i32(MUL_ROWS).mul().sub().set(rows);
      f.i32(0).set(p0);
      f.whileLoop(
        () => f.get(p0).i32(8).add().get(P).op1('leS'),
        () => {
          tile(2);
          f.get(p0).i32(8).add().set(p0);
        },
      );
      f.get(p0).get(P).ltS();
      f.ifElse(() => tile(1));
    });
  });
  return f;
}

/**
 * Pushes the lane sums of the four vectors in locals `x` as one vector
 * (lane k = x[k]₀ + x[k]₁ + x[k]₂ + x[k]₃): two rounds of pairing shuffles and adds.
 */
function laneSums(f: FnBuilder, x: readonly number[], t: readonly [number, number]): void {
  for (let h = 0; h < 2; h++) {
    f.get(x[2 * h]).get(x[2 * h + 1]).shuffle32([0, 4, 1, 5]);
    f.get(x[2 * h]).get(x[2 * h + 1]).shuffle32([2, 6, 3, 7]).f32x4Add().set(t[h]);
  }
  // t0 = (a02, b02, a13, b13), t1 = (c02, d02, c13, d13) with a02 = a₀ + a₂ etc.
  f.get(t[0]).get(t[1]).shuffle32([0, 1, 4, 5]);
  f.get(t[0]).get(t[1]).shuffle32([2, 3, 6, 7]).f32x4Add();
}

/**
 * winoDot(e, ex, v, vx, m, O, C, P, first): the filter gradient's sums M[ξ] (O × C) (+)= Ê[ξ]
 * (O × P) · V[ξ]ᵀ for the 16 ξ (stored when `first` is 1, added otherwise), with Ê[ξ][o][p] at
 * byte `e + 4·(ξ·ex + o·P + p)`, V as winoMul's and M[ξ][o][c] at byte `m + 4·(ξ·O·C + o·C + c)`
 * (4 floats of slack after M: a row's last vector is loaded whole). P is a multiple of 4.
 * Register tile: 2 output channels × 4 input channels, each a vector of partial sums over
 * the tiles, reduced across lanes at the end. Past O or C the tile reads valid rows again
 * and drops their sums. `fma` as for winoMul.
 */
export function winoDotFn(fma: boolean): FnBuilder {
  const f = new FnBuilder(new Array(9).fill(I32));
  const [e, ex, v, vx, m, O, C, P, first] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [xi, o0, c0, j, Pb, eb, vb, mb, dst, cols] = Array.from({ length: 10 }, () => f.local(I32));
  const er = [f.local(I32), f.local(I32)];
  const vr = Array.from({ length: 4 }, () => f.local(I32));
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const x = [f.local(V128), f.local(V128)];
  const y = f.local(V128);
  const t: [number, number] = [f.local(V128), f.local(V128)];
  const sum = f.local(V128);
  f.get(P).i32(2).shl().set(Pb);
  f.forLoop(xi, 0, 16, 1, () => {
    f.get(e).get(xi).get(ex).mul().i32(2).shl().add().set(eb);
    f.get(v).get(xi).get(vx).mul().i32(2).shl().add().set(vb);
    f.get(m).get(xi).get(O).mul().get(C).mul().i32(2).shl().add().set(mb);
    f.forLoop(o0, 0, { local: O }, 2, () => {
      f.get(eb).get(o0).get(Pb).mul().add().tee(er[0]).set(er[1]);
      f.get(o0).i32(1).add().get(O).ltS();
      f.ifElse(() => f.get(er[0]).get(Pb).add().set(er[1]));
      f.forLoop(c0, 0, { local: C }, 4, () => {
        f.get(C).get(c0).sub().set(cols);
        for (let k = 0; k < 4; k++) {
          // Row c0 + k, or row c0 where that is past C.
          f.get(vb).get(c0).get(cols).i32(k).op1('gtS').i32(k).mul().add().get(Pb).mul().add().set(vr[k]);
        }
        for (const a of acc) f.v128Zero().set(a);
        f.forLoop(j, 0, { local: Pb }, 16, () => {
          for (let r = 0; r < 2; r++) f.get(er[r]).get(j).add().v128Load().set(x[r]);
          for (let k = 0; k < 4; k++) {
            f.get(vr[k]).get(j).add().v128Load().set(y);
            for (let r = 0; r < 2; r++) {
              madd(f, fma, acc[4 * r + k], x[r], y);
              f.set(acc[4 * r + k]);
            }
          }
        });
        for (let r = 0; r < 2; r++) {
          const store = () => {
            f.get(mb).get(o0).i32(r).add().get(C).mul().get(c0).add().i32(2).shl().add().set(dst);
            laneSums(f, acc.slice(4 * r, 4 * r + 4), t);
            f.set(sum);
            f.get(first).eqz();
            f.ifElse(() => f.get(dst).v128Load().get(sum).f32x4Add().set(sum));
            f.get(cols).i32(4).geS();
            f.ifElse(
              () => f.get(dst).get(sum).v128Store(),
              () => {
                for (let k = 0; k < 3; k++) {
                  f.get(cols).i32(k).op1('gtS');
                  f.ifElse(() => f.get(dst).get(sum).store32Lane(k, 4 * k));
                }
              },
            );
          };
          if (r === 0) store();
          else {
            f.get(o0).i32(1).add().get(O).ltS();
            f.ifElse(store);
          }
        }
      });
    });
  });
  return f;
}

/** The exports of the Winograd product kernels (byte addresses; sizes in elements). */
export interface WinoProductExports {
  readonly winoMul: (...args: number[]) => void;
  readonly winoDot: (...args: number[]) => void;
}
