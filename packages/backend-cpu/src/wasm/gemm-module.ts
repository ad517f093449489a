import { F32, FnBuilder, I32, V128 } from './encode.js';

/** What the GEMM module is generated from. */
export interface GemmShape {
  /** Rows of the register tile (A panel width). */
  readonly mr: number;
  /** Columns of the register tile (B panel width); a multiple of 4. */
  readonly nr: number;
  /** Use f32x4.relaxed_madd (one fused multiply-add) instead of mul + add. */
  readonly fma: boolean;
}

/** Function indices of the generated module (the order of `assemble`). */
const MICRO = 0;
const EDGE = 1;

/**
 * micro(kc, a, b, c, ldcBytes, accumulate): the mr×nr register tile
 * C[r, j] (+)= Σₖ Ap[k·mr + r] · Bp[k·nr + j] over packed panels, kc ≥ 1.
 * All mr·nr/4 accumulators stay in SIMD registers for the whole k loop.
 */
function micro({ mr, nr, fma }: GemmShape): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [kc, a, b, c, ldc, accumulate] = [0, 1, 2, 3, 4, 5];
  const nv = nr / 4;
  const acc = Array.from({ length: mr * nv }, () => f.local(V128));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  const row = f.local(I32);
  for (const x of acc) f.v128Zero().set(x);
  f.loop(() => {
    for (let v = 0; v < nv; v++) f.get(b).v128Load(v * 16).set(bv[v]);
    for (let r = 0; r < mr; r++) {
      f.get(a).load32Splat(r * 4).set(av);
      for (let v = 0; v < nv; v++) {
        const x = acc[r * nv + v];
        if (fma) f.get(av).get(bv[v]).get(x).f32x4RelaxedMadd().set(x);
        else f.get(x).get(av).get(bv[v]).f32x4Mul().f32x4Add().set(x);
      }
    }
    f.get(a).i32(mr * 4).add().set(a);
    f.get(b).i32(nr * 4).add().set(b);
    f.get(kc).i32(1).sub().tee(kc).brIf(0);
  });
  const store = (add: boolean) => () => {
    f.get(c).set(row);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) {
        f.get(row);
        if (add) f.get(row).v128Load(v * 16).get(acc[r * nv + v]).f32x4Add();
        else f.get(acc[r * nv + v]);
        f.v128Store(v * 16);
      }
      if (r + 1 < mr) f.get(row).get(ldc).add().set(row);
    }
  };
  f.get(accumulate).ifElse(store(true), store(false));
  return f;
}

/** edge(m, n, tmp, c, ldc, accumulate): C[r, j] (+)= tmp[r·nr + j] for r < m, j < n (a partial tile). */
function edge({ nr }: GemmShape): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [m, n, tmp, c, ldc, accumulate] = [0, 1, 2, 3, 4, 5];
  const r = f.local(I32);
  const j = f.local(I32);
  const dst = f.local(I32);
  const v = f.local(F32);
  f.forLoop(r, 0, { local: m }, 1, () => {
    f.forLoop(j, 0, { local: n }, 1, () => {
      f.get(c).get(r).get(ldc).mul().get(j).add().i32(2).shl().add().set(dst);
      f.get(tmp).get(r).i32(nr).mul().get(j).add().i32(2).shl().add().f32Load().set(v);
      // dst = accumulate ? v + dst : v
      f.get(dst).get(v).get(dst).f32Load().f32Add().get(v).get(accumulate).selectOp().f32Store();
    });
  });
  return f;
}

/** Pushes min(x, y) of two i32 locals/constants built by `push`. */
function minOf(f: FnBuilder, x: () => void, y: () => void): void {
  x();
  y();
  x();
  y();
  f.ltS().selectOp();
}

/**
 * macro(mc, nc, kc, ap, bp, c, ldc, accumulate, tmp): C (mc×nc, row stride ldc elements)
 * (+)= Ap·Bp for one packed block of A (mc×kc) and of B (kc×nc), tile by tile; partial
 * tiles at the right and bottom edges go through `tmp` (mr·nr floats).
 */
function macro({ mr, nr }: GemmShape): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [mc, nc, kc, ap, bp, c, ldc, accumulate, tmp] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(I32);
  const j = f.local(I32);
  const aP = f.local(I32);
  const bP = f.local(I32);
  const cP = f.local(I32);
  f.forLoop(j, 0, { local: nc }, nr, () => {
    f.get(bp).get(j).get(kc).mul().i32(2).shl().add().set(bP);
    f.forLoop(i, 0, { local: mc }, mr, () => {
      f.get(ap).get(i).get(kc).mul().i32(2).shl().add().set(aP);
      f.get(c).get(i).get(ldc).mul().get(j).add().i32(2).shl().add().set(cP);
      f.get(mc).get(i).sub().i32(mr).geS();
      f.get(nc).get(j).sub().i32(nr).geS();
      f.and();
      f.ifElse(
        () => f.get(kc).get(aP).get(bP).get(cP).get(ldc).i32(2).shl().get(accumulate).call(MICRO),
        () => {
          f.get(kc).get(aP).get(bP).get(tmp).i32(nr * 4).i32(0).call(MICRO);
          minOf(f, () => f.i32(mr), () => f.get(mc).get(i).sub());
          minOf(f, () => f.i32(nr), () => f.get(nc).get(j).sub());
          f.get(tmp).get(cP).get(ldc).get(accumulate).call(EDGE);
        },
      );
    });
  });
  return f;
}

/**
 * pack(src, rs, cs, rows, kc, dst): copies a rows×kc block of a strided matrix
 * (element [r, k] at src + (r·rs + k·cs)·4) into panels of `w` rows, each stored
 * k-major: dst[p·w·kc + k·w + r'] = M[p·w + r', k], zero past the last row. Both GEMM
 * operands are packed by this one routine (B as its transpose), so every transpose
 * combination runs the same micro-kernel.
 */
function pack(w: number): FnBuilder {
  const f = new FnBuilder([I32, I32, I32, I32, I32, I32]);
  const [src, rs, cs, rows, kc, dst] = [0, 1, 2, 3, 4, 5];
  const p = f.local(I32);
  const k = f.local(I32);
  const q = f.local(I32);
  const rsb = f.local(I32);
  const contiguous = f.local(I32);
  const v = Array.from({ length: 4 }, () => f.local(V128));
  const t = Array.from({ length: 4 }, () => f.local(V128));
  f.get(rs).i32(2).shl().set(rsb);
  f.get(rs).i32(1).eq().set(contiguous);
  /** q = &M[p, k]. */
  const at = () => f.get(src).get(p).get(rs).mul().get(k).get(cs).mul().add().i32(2).shl().add().set(q);
  const oneK = () => {
    at();
    const scalar = () => {
      for (let r = 0; r < w; r++) {
        f.get(dst);
        f.get(p).i32(r).add().get(rows).ltS();
        f.ifElse(() => f.get(q).f32Load(), () => f.f32(0), F32);
        f.f32Store(r * 4);
        if (r + 1 < w) f.get(q).get(rsb).add().set(q);
      }
    };
    if (w % 4 === 0) {
      f.get(contiguous).get(rows).get(p).sub().i32(w).geS().and();
      f.ifElse(() => {
        for (let u = 0; u < w / 4; u++) f.get(dst).get(q).v128Load(u * 16).v128Store(u * 16);
      }, scalar);
    } else scalar();
    f.get(dst).i32(w * 4).add().set(dst);
  };
  /**
   * Rows contiguous along k (cs = 1, rs ≠ 1: a row-major operand packed across its rows,
   * e.g. a transposed one), whole panel: four k at a time, each 4-row group loaded as four
   * f32x4 and transposed in registers (8 shuffles) instead of 16 scalar moves.
   */
  const fourK = () => {
    at();
    for (let g = 0; g < w / 4; g++) {
      for (let i = 0; i < 4; i++) {
        f.get(q).v128Load().set(v[i]);
        f.get(q).get(rsb).add().set(q);
      }
      f.get(v[0]).get(v[1]).shuffle32([0, 4, 1, 5]).set(t[0]);
      f.get(v[0]).get(v[1]).shuffle32([2, 6, 3, 7]).set(t[1]);
      f.get(v[2]).get(v[3]).shuffle32([0, 4, 1, 5]).set(t[2]);
      f.get(v[2]).get(v[3]).shuffle32([2, 6, 3, 7]).set(t[3]);
      const out = (j: number, x: number, y: number, lanes: [number, number, number, number]) =>
        f.get(dst).get(t[x]).get(t[y]).shuffle32(lanes).v128Store((j * w + 4 * g) * 4);
      out(0, 0, 2, [0, 1, 4, 5]);
      out(1, 0, 2, [2, 3, 6, 7]);
      out(2, 1, 3, [0, 1, 4, 5]);
      out(3, 1, 3, [2, 3, 6, 7]);
    }
    f.get(dst).i32(16 * w).add().set(dst);
    f.get(k).i32(4).add().set(k);
  };
  f.forLoop(p, 0, { local: rows }, w, () => {
    f.i32(0).set(k);
    if (w % 4 === 0) {
      f.get(cs).i32(1).eq().get(contiguous).eqz().and().get(rows).get(p).sub().i32(w).geS().and();
      f.ifElse(() => f.whileLoop(() => f.get(k).i32(3).add().get(kc).ltS(), fourK));
    }
    f.forLoop(k, { local: k }, { local: kc }, 1, oneK);
  });
  return f;
}

/** Names of the exported GEMM functions. */
export interface GemmExports {
  readonly macro: (mc: number, nc: number, kc: number, ap: number, bp: number, c: number, ldc: number, accumulate: number, tmp: number) => void;
  readonly packA: (src: number, rs: number, cs: number, rows: number, kc: number, dst: number) => void;
  readonly packB: (src: number, rs: number, cs: number, rows: number, kc: number, dst: number) => void;
}

/**
 * The GEMM functions for a tile shape, in module order: they must come first in the
 * module, because `macro` calls `micro` and `edge` by index 0 and 1.
 */
export function gemmFunctions(shape: GemmShape): { name: string; fn: FnBuilder }[] {
  return [
    { name: 'micro', fn: micro(shape) },
    { name: 'edge', fn: edge(shape) },
    { name: 'macro', fn: macro(shape) },
    { name: 'packA', fn: pack(shape.mr) },
    { name: 'packB', fn: pack(shape.nr) },
  ];
}
