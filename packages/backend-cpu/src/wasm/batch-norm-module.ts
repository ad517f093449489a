import { channelWalk, promote } from './channel-walk.js';
import { F64, FnBuilder, I32, V128 } from './encode.js';
import type { ExportOf } from './parts.js';

/** The parameters of `bnSums`, in order (the wasm builder's and `runCalls`' records'). */
export const BN_SUMS_PARAMS = ['p', 'q', 'C', 'inner', 'n', 'c0', 'c1', 'sp', 'sq', 'out'] as const;
/** The parameters of `bnApply`, in order. */
export const BN_APPLY_PARAMS = ['x', 'g', 'y', 'C', 'inner', 'n', 'c0', 'c1', 'coef'] as const;

/**
 * bnSums(p, q, C, inner, n, c0, c1, sp, sq, out): for each channel ch in [c0, c1), in
 * doubles, out[2·ch] = Σ (p − sp[ch]) and out[2·ch + 1] = Σ (p − sp[ch])·(q − sq[ch]) over
 * the channel's values (p, q: float32 [n, C, inner]; sp, sq: float32 per channel; out:
 * float64). Batch norm's statistics are bnSums(x, x, shift, shift), its parameter
 * gradient's sums bnSums(dy, x, 0, mean). Each float is promoted before it is shifted, as
 * the TypeScript kernels do; four values a step in two f64x2 halves with their own sums.
 */
export function bnSumsFn(): FnBuilder {
  const f = new FnBuilder(BN_SUMS_PARAMS.map(() => I32));
  const [p, q, C, inner, n, c0, c1, sp, sq, out] = BN_SUMS_PARAMS.map((_, i) => i);
  const [vp, vq, shp, shq, s1a, s1b, s2a, s2b, dp, dq] = Array.from({ length: 10 }, () => f.local(V128));
  const [t1, t2, hp, hq, d] = Array.from({ length: 5 }, () => f.local(F64));
  /** Pushes sh[ch] as a double, from the float32 array at byte address `arr`. */
  const shiftOf = (arr: number, ch: number) => f.get(arr).get(ch).i32(2).shl().add().f32Load().op1('f64PromoteF32');
  /** The lane sums of the f64x2 locals and t, pushed as one double. */
  const total = (a: number, b: number, t: number) => {
    f.get(a).f64x2ExtractLane(0).get(a).f64x2ExtractLane(1).op1('f64Add');
    f.get(b).f64x2ExtractLane(0).get(b).f64x2ExtractLane(1).op1('f64Add').op1('f64Add');
    f.get(t).op1('f64Add');
  };
  channelWalk(
    f,
    [C, inner, n, c0, c1],
    (ch) => {
      shiftOf(sp, ch).tee(hp).simd1('f64x2Splat').set(shp);
      shiftOf(sq, ch).tee(hq).simd1('f64x2Splat').set(shq);
      for (const s of [s1a, s1b, s2a, s2b]) f.v128Zero().set(s);
      f.f64(0).set(t1).f64(0).set(t2);
    },
    (at) => {
      f.get(p).get(at).add().v128Load().set(vp);
      f.get(q).get(at).add().v128Load().set(vq);
      for (const [high, s1, s2] of [
        [false, s1a, s2a],
        [true, s1b, s2b],
      ] as const) {
        promote(f, vp, high);
        f.get(shp).simd1('f64x2Sub').set(dp);
        promote(f, vq, high);
        f.get(shq).simd1('f64x2Sub').set(dq);
        f.get(s1).get(dp).simd1('f64x2Add').set(s1);
        f.get(s2).get(dp).get(dq).simd1('f64x2Mul').simd1('f64x2Add').set(s2);
      }
    },
    (at) => {
      f.get(p).get(at).add().f32Load().op1('f64PromoteF32').get(hp).op1('f64Sub').set(d);
      f.get(t1).get(d).op1('f64Add').set(t1);
      f.get(q).get(at).add().f32Load().op1('f64PromoteF32').get(hq).op1('f64Sub').get(d).op1('f64Mul');
      f.get(t2).op1('f64Add').set(t2);
    },
    (ch) => {
      f.get(out).get(ch).i32(4).shl().add();
      total(s1a, s1b, t1);
      f.f64Store();
      f.get(out).get(ch).i32(4).shl().add();
      total(s2a, s2b, t2);
      f.f64Store(8);
    },
  );
  return f;
}

/**
 * bnApply(x, g, y, C, inner, n, c0, c1, coef): for each channel ch in [c0, c1),
 * y = (x − shift)·scale + offset + gain·g in doubles, stored as float32 (x, g, y: float32
 * [n, C, inner]; coef: float64 [shift, scale, offset, gain] per channel). The same
 * operations in the same order as the TypeScript kernel, so the results are identical:
 * batch norm's input gradient, which cancels too much for float32 arithmetic.
 */
export function bnApplyFn(): FnBuilder {
  const f = new FnBuilder(BN_APPLY_PARAMS.map(() => I32));
  const [x, g, y, C, inner, n, c0, c1, coef] = BN_APPLY_PARAMS.map((_, i) => i);
  const [vx, vg, shift, scale, offset, gain, lo] = Array.from({ length: 7 }, () => f.local(V128));
  const [hs, hc, ho, hg] = Array.from({ length: 4 }, () => f.local(F64));
  /** Pushes ((x − shift)·scale + offset) + gain·g for the doubles `pushX` and `pushG` push, as f64x2 (`simd`) or f64. */
  const affine = (pushX: () => void, pushG: () => void, simd: boolean) => {
    const op = (k: 'Sub' | 'Mul' | 'Add') => (simd ? f.simd1(`f64x2${k}`) : f.op1(`f64${k}`));
    pushX();
    f.get(simd ? shift : hs);
    op('Sub');
    f.get(simd ? scale : hc);
    op('Mul');
    f.get(simd ? offset : ho);
    op('Add');
    f.get(simd ? gain : hg);
    pushG();
    op('Mul');
    op('Add');
  };
  channelWalk(
    f,
    [C, inner, n, c0, c1],
    (ch) => {
      const at = f.local(I32);
      f.get(coef).get(ch).i32(5).shl().add().set(at);
      for (const [k, h, v] of [
        [0, hs, shift],
        [8, hc, scale],
        [16, ho, offset],
        [24, hg, gain],
      ] as const) {
        f.get(at).f64Load(k).tee(h).simd1('f64x2Splat').set(v);
      }
    },
    (at) => {
      f.get(x).get(at).add().v128Load().set(vx);
      f.get(g).get(at).add().v128Load().set(vg);
      affine(
        () => promote(f, vx, false),
        () => promote(f, vg, false),
        true,
      );
      f.simd1('f32x4DemoteF64x2Zero').set(lo);
      f.get(y).get(at).add();
      f.get(lo);
      affine(
        () => promote(f, vx, true),
        () => promote(f, vg, true),
        true,
      );
      f.simd1('f32x4DemoteF64x2Zero');
      f.shuffle32([0, 1, 4, 5]).v128Store();
    },
    (at) => {
      f.get(y).get(at).add();
      affine(
        () => f.get(x).get(at).add().f32Load().op1('f64PromoteF32'),
        () => f.get(g).get(at).add().f32Load().op1('f64PromoteF32'),
        false,
      );
      f.op1('f32DemoteF64').f32Store();
    },
    () => {},
  );
  return f;
}

/** The batch-norm exports of the module. */
export interface BatchNormExports {
  readonly bnSums: ExportOf<typeof BN_SUMS_PARAMS>;
  readonly bnApply: ExportOf<typeof BN_APPLY_PARAMS>;
}
