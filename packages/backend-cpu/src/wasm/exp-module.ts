import { F32, FnBuilder, I32, V128 } from './encode.js';
import type { WasmEngine } from './engine.js';

/**
 * exp on four float32 lanes in WebAssembly SIMD, generated once here and used by every
 * float32 exp the CPU backend runs in wasm: the expression compiler's `exp` node (so the
 * softmax, logSoftmax and softmaxCrossEntropy composites, and any elementwise exp) and the
 * fused attention's online softmax and backward (`expRow`).
 *
 * Method (Cephes' expf): clamp x to [−104, 89] (beyond, exp is 0 or overflows to +∞ anyway;
 * NaN passes the clamp), n = round(x·log₂e), r = x − n·ln2_hi − n·ln2_lo (Cody–Waite: ln2_hi
 * has 9 significant bits, so n·ln2_hi is exact), exp(r) ≈ 1 + r + r²·P(r) with a degree-5
 * minimax P on |r| ≤ ln2/2, then scaled by 2ⁿ as two factors 2^⌊n/2⌋·2^(n−⌊n/2⌋), each a
 * normal float, so results down into the subnormal range round once. Measured error
 * against the double-precision exp over 2²⁴ float32 inputs spread over [−104, 89] (test/exp-simd.test.ts):
 * at most 2 ulp for normal results (1 ulp typical), exact 0 below, +∞ above, exp(−∞) = 0,
 * exp(+∞) = +∞, exp(NaN) = NaN.
 */

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
/** P(r) coefficients, highest degree first (Cephes expf). */
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** Pushes exp of the f32x4 in local `x` (a V128 local; clobbered). */
function pushExpF32x4(f: FnBuilder, x: number): void {
  const [nf, r, n, half] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const splat = (c: number) => f.f32(c).f32x4Splat();
  f.get(x);
  splat(-104).simd1('f32x4Max');
  splat(89).simd1('f32x4Min').set(x);
  f.get(x);
  splat(LOG2E).simd1('f32x4Mul').simd1('f32x4Nearest').set(nf);
  f.get(x).get(nf);
  splat(LN2_HI).simd1('f32x4Mul').simd1('f32x4Sub').get(nf);
  splat(LN2_LO).simd1('f32x4Mul').simd1('f32x4Sub').set(r);
  // Horner: P(r), then P·r² + r + 1.
  splat(P[0]);
  for (const c of P.slice(1)) {
    f.get(r).simd1('f32x4Mul');
    splat(c).simd1('f32x4Add');
  }
  f.get(r).get(r).simd1('f32x4Mul').simd1('f32x4Mul').get(r).simd1('f32x4Add');
  splat(1).simd1('f32x4Add');
  // 2ⁿ as two normal factors: bits (k + 127) << 23 for k = ⌊n/2⌋ and n − ⌊n/2⌋.
  f.get(nf).simd1('i32x4TruncSatF32x4S').set(n);
  f.get(n).i32(1).simd1('i32x4ShrS').set(half);
  const factor = (k: () => void) => {
    k();
    f.i32(127).simd1('i32x4Splat').simd1('i32x4Add').i32(23).simd1('i32x4Shl').simd1('f32x4Mul');
  };
  factor(() => f.get(half));
  factor(() => f.get(n).get(half).simd1('i32x4Sub'));
}

/**
 * `expRow(ptr, n, shift)`: x[i] = exp(x[i] − shift) in place for the n floats at byte
 * address ptr, 4 at a time, the tail one lane at a time (never touching memory past the row).
 */
function expRowFn(): FnBuilder {
  const f = new FnBuilder([I32, I32, F32]);
  const [PTR, N, SHIFT] = [0, 1, 2];
  const [i, end, vecEnd, sv, x] = [f.local(I32), f.local(I32), f.local(I32), f.local(V128), f.local(V128)];
  f.get(SHIFT).f32x4Splat().set(sv);
  f.get(N).i32(2).shl().set(end);
  f.get(end).i32(-16).and().set(vecEnd);
  const one = (load: () => void, store: () => void) => {
    load();
    f.get(sv).simd1('f32x4Sub').set(x);
    pushExpF32x4(f, x);
    f.set(x);
    store();
  };
  f.forLoop(i, 0, { local: vecEnd }, 16, () =>
    one(
      () => f.get(PTR).get(i).add().v128Load(),
      () => f.get(PTR).get(i).add().get(x).v128Store(),
    ),
  );
  f.forLoop(i, { local: vecEnd }, { local: end }, 4, () =>
    one(
      () => f.get(PTR).get(i).add().load32Splat(),
      () => f.get(PTR).get(i).add().get(x).store32Lane(0),
    ),
  );
  return f;
}

/** The exp module's exports. */
export interface ExpExports {
  /** x[i] = exp(x[i] − shift) for the n float32 at byte address ptr. */
  readonly expRow: (ptr: number, n: number, shift: number) => void;
}

const instances = new WeakMap<WasmEngine, ExpExports>();

/** The exp module instantiated over `engine`'s memory (once per engine). */
export function expExports(engine: WasmEngine): ExpExports {
  let e = instances.get(engine);
  if (!e) {
    e = engine.instantiate([{ name: 'expRow', fn: expRowFn() }]) as unknown as ExpExports;
    instances.set(engine, e);
  }
  return e;
}
