import { channelWalk, promote } from './channel-walk.js';
import { F32, F64, FnBuilder, I32, V128 } from './encode.js';
import type { ExportOf } from './parts.js';

/** The parameters of `biasAdd` and `biasRelu`, in order (the wasm builder's and `runCalls`' records'). */
export const BIAS_ACT_PARAMS = ['x', 'b', 'y', 'C', 'inner', 'p0', 'p1'] as const;
/** The parameters of `biasSums`, in order. */
export const BIAS_SUMS_PARAMS = ['z', 'C', 'inner', 'n', 'c0', 'c1', 'out'] as const;
/** The parameters of `columnSums`, in order. */
export const COLUMN_SUMS_PARAMS = ['z', 'rows', 'C', 'out'] as const;

/**
 * biasAdd / biasRelu(x, b, y, C, inner, p0, p1): over the planes p in [p0, p1) of float32
 * [n, C, inner] tensors (plane p at float offset p·inner, channel p mod C), y = x + b[ch],
 * and with `relu` then y < 0 ? 0 : y (NaN and −0 kept): the same float32 operations as
 * core's expression for `biasActivation`, so the results are bit-identical to the
 * expression kernel's. Planes are walked in memory order (a channel-major walk, which
 * jumps C planes at a time, measured slower) with the plane loop inside wasm (the
 * expression kernel calls its row function once per plane: 6,400 calls for a
 * [100, 64, 4, 4] conv output).
 */
export function biasActFn(relu: boolean): FnBuilder {
  const f = new FnBuilder(BIAS_ACT_PARAMS.map(() => I32));
  const [x, b, y, C, inner, p0, p1] = BIAS_ACT_PARAMS.map((_, i) => i);
  const [p, ch, at, end4, end] = Array.from({ length: 5 }, () => f.local(I32));
  const [bv, zv] = [f.local(V128), f.local(V128)];
  const [bs, zs] = [f.local(F32), f.local(F32)];
  f.get(p0).get(C).op1('remU').set(ch);
  f.get(p0).get(inner).mul().i32(2).shl().set(at);
  f.forLoop(p, { local: p0 }, { local: p1 }, 1, () => {
    f.get(b).get(ch).i32(2).shl().add().f32Load().tee(bs).f32x4Splat().set(bv);
    f.get(at).get(inner).i32(2).shl().add().set(end);
    f.get(at).get(inner).i32(-4).and().i32(2).shl().add().set(end4);
    f.whileLoop(
      () => f.get(at).get(end4).op1('ltU'),
      () => {
        f.get(y).get(at).add();
        f.get(x).get(at).add().v128Load().get(bv).f32x4Add();
        // bitselect(0, z, z < 0): the lanes below zero become +0, NaN and −0 stay.
        if (relu) f.set(zv).v128Zero().get(zv).get(zv).v128Zero().simd1('f32x4Lt').simd1('v128Bitselect');
        f.v128Store();
        f.get(at).i32(16).add().set(at);
      },
    );
    f.whileLoop(
      () => f.get(at).get(end).op1('ltU'),
      () => {
        f.get(y).get(at).add();
        f.get(x).get(at).add().f32Load().get(bs).f32Add();
        if (relu) f.set(zs).f32(0).get(zs).get(zs).f32(0).op1('f32Lt').selectOp();
        f.f32Store();
        f.get(at).i32(4).add().set(at);
      },
    );
    // The next plane's channel: ch + 1, wrapping to 0 after C − 1.
    f.get(ch).i32(1).add().tee(ch).get(C).eq();
    f.ifElse(() => f.i32(0).set(ch));
  });
  return f;
}

/**
 * biasSums(z, C, inner, n, c0, c1, out): for each channel ch in [c0, c1) of a float32
 * [n, C, inner] tensor, out[ch] = Σ z over the channel's values, in doubles (float64
 * `out`): the bias gradient, summed in place. Four floats a step, promoted to two f64x2
 * halves with their own sums (the TypeScript kernel sums in doubles too, in another order).
 * With C = 1 and n = 1 the "channels" are planes: out[p] = the sum of plane p, in memory
 * order (how `biasAddGrad` calls it: walking channel by channel jumps C planes at a time).
 */
export function biasSumsFn(): FnBuilder {
  const f = new FnBuilder(BIAS_SUMS_PARAMS.map(() => I32));
  const [z, C, inner, n, c0, c1, out] = BIAS_SUMS_PARAMS.map((_, i) => i);
  const [v, sa, sb] = [f.local(V128), f.local(V128), f.local(V128)];
  const t = f.local(F64);
  channelWalk(
    f,
    [C, inner, n, c0, c1],
    () => {
      f.v128Zero().set(sa).v128Zero().set(sb).f64(0).set(t);
    },
    (at) => {
      f.get(z).get(at).add().v128Load().set(v);
      f.get(sa);
      promote(f, v, false);
      f.simd1('f64x2Add').set(sa);
      f.get(sb);
      promote(f, v, true);
      f.simd1('f64x2Add').set(sb);
    },
    (at) => {
      f.get(t).get(z).get(at).add().f32Load().op1('f64PromoteF32').op1('f64Add').set(t);
    },
    (ch) => {
      f.get(out).get(ch).i32(3).shl().add();
      f.get(sa).f64x2ExtractLane(0).get(sa).f64x2ExtractLane(1).op1('f64Add');
      f.get(sb).f64x2ExtractLane(0).get(sb).f64x2ExtractLane(1).op1('f64Add').op1('f64Add');
      f.get(t).op1('f64Add').f64Store();
    },
  );
  return f;
}

/**
 * columnSums(z, rows, C, out): out[j] += Σ over rows of z[r·C + j] for a float32 [rows, C]
 * matrix, in doubles (float64 `out`, which the caller zeroes): the bias gradient of a bias
 * along the last axis, row by row in memory order, four columns a step (two f64x2 halves),
 * each column's sum in row order like the TypeScript kernel's (so the same doubles).
 */
export function columnSumsFn(): FnBuilder {
  const f = new FnBuilder(COLUMN_SUMS_PARAMS.map(() => I32));
  const [z, rows, C, out] = COLUMN_SUMS_PARAMS.map((_, i) => i);
  const [r, j, c4, src, dst] = Array.from({ length: 5 }, () => f.local(I32));
  const v = f.local(V128);
  f.get(C).i32(-4).and().set(c4);
  f.get(z).set(src);
  f.forLoop(r, 0, { local: rows }, 1, () => {
    f.get(out).set(dst);
    f.forLoop(j, 0, { local: c4 }, 4, () => {
      f.get(src).v128Load().set(v);
      for (const [high, at] of [[false, 0], [true, 16]] as const) {
        f.get(dst).get(dst).v128Load(at);
        promote(f, v, high);
        f.simd1('f64x2Add').v128Store(at);
      }
      f.get(src).i32(16).add().set(src);
      f.get(dst).i32(32).add().set(dst);
    });
    f.forLoop(j, { local: c4 }, { local: C }, 1, () => {
      f.get(dst).get(dst).f64Load().get(src).f32Load().op1('f64PromoteF32').op1('f64Add').f64Store();
      f.get(src).i32(4).add().set(src);
      f.get(dst).i32(8).add().set(dst);
    });
  });
  return f;
}

/** The bias exports of the module. */
export interface BiasExports {
  readonly biasAdd: ExportOf<typeof BIAS_ACT_PARAMS>;
  readonly biasRelu: ExportOf<typeof BIAS_ACT_PARAMS>;
  readonly biasSums: ExportOf<typeof BIAS_SUMS_PARAMS>;
  readonly columnSums: ExportOf<typeof COLUMN_SUMS_PARAMS>;
}
