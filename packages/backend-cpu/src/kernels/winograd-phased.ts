import { GEMM_FIELDS, PART, partWords } from '../wasm/parts.js';
import type { WasmEngine } from '../wasm/engine.js';
import type { WinoGeom } from './winograd.js';

/**
 * The Winograd F(2×2, 3×3) forward conv in three phases across threads, for batches too
 * small to give every thread whole tile-row bands (batch 1 inference): every channel's input
 * transform (one part per image and channel), then the 16 GEMMs M[ξ] = U[ξ]·V[ξ] (one part
 * each: equal work, and each packs only its own U[ξ]), then the output transform (parts by
 * image and output-channel range). Banded parts of one image come in unequal numbers and
 * sizes (a 7-band image on 2 threads runs 4:3) and each packs all 16 U[ξ]; here the GEMMs
 * split evenly and U is packed once. The price is V and M for the whole batch between the
 * phases, so `phasedFits` takes it only where they stay small.
 */

/** winoIn's parameters (wasm/winograd-module.ts), in order. */
const WINO_IN_PARAMS = ['src', 'H', 'W', 'pad', 'Wp', 'r0', 'rows', 'pt', 'pl', 'v', 'ldx', 'nTy', 'nTxp'] as const;
/** winoOut's parameters (wasm/winograd-module.ts), in order. */
const WINO_OUT_PARAMS = ['m', 'ldx', 'ldp', 'y', 'Ho', 'Wo', 'oy0', 'nTy', 'nTxp', 'nTx', 'O'] as const;

/** Most parts of one input-transform dispatch (the thread table holds 511). */
const MAX_CALLS = 384;
/** Output-channel ranges per image of the output transform. */
const OUT_PARTS = 8;

/** The geometry and tile grid (winograd.ts' `tileGrid`) a phased call needs. */
type PhasedGeom = WinoGeom & { readonly nTy: number; readonly nTx: number; readonly nTxp: number };

/**
 * Whether a forward Winograd call of `g` takes the phased path on `threads` threads: fewer
 * images than threads (so images alone cannot balance them; on one thread, one image, whose
 * calls then reuse the prepared filters), and V and M within two of the banded path's
 * blocks (`blockFloats`: about a core's L2 cache).
 */
export function phasedFits(g: PhasedGeom, threads: number, blockFloats: number): boolean {
  const P = g.N * g.nTy * g.nTxp;
  return g.N < Math.max(2, threads) && 16 * (g.C + g.O) * P <= 2 * blockFloats;
}

/**
 * The transformed filter U of a phased call: 16 matrices O × C, U[ξ] at byte `ptr + 4·ξ·step`,
 * either with row stride `rs` and column stride `cs` elements, or (`packed`) packed ahead for
 * the GEMM (`WasmEngine.packInto`: `rs` is then the padded row count, `cs` 0).
 */
interface PhasedFilter {
  readonly ptr: number;
  readonly rs: number;
  readonly cs: number;
  readonly step: number;
  readonly packed: boolean;
}

/**
 * Runs the phased forward Winograd conv `g`: input at byte address `img`, transformed filter
 * `u`, output at `y` (every pixel written).
 */
export function runPhased(engine: WasmEngine, g: PhasedGeom, u: PhasedFilter, img: number, y: number, what: string): void {
  const { N, C, H, W, O, Ho, Wo, pt, pl, nTy, nTx, nTxp } = g;
  const tiles = nTy * nTxp;
  const P = N * tiles;
  const v = engine.alloc(16 * C * P);
  const m = engine.alloc(16 * O * P);
  const Wp = 2 * nTxp + 2;
  const rows = 2 * nTy + 2;
  // Each input-transform part stages its plane in its own padded block: one allocation for all.
  const padFloats = Wp * rows + 4;
  const pads = engine.alloc(N * C * padFloats);
  const ins = [];
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const src = img + 4 * (n * C + c) * H * W;
      const pad = pads + 4 * (n * C + c) * padFloats;
      ins.push({ src, H, W, pad, Wp, r0: 0, rows, pt, pl, v: v + 4 * (c * P + n * tiles), ldx: C * P, nTy, nTxp });
    }
  }
  // One dispatch holds at most MAX_CALLS parts: more channels go in equal dispatches.
  const dispatches = Math.ceil(ins.length / MAX_CALLS);
  const size = Math.ceil(ins.length / dispatches);
  for (let i = 0; i < ins.length; i += size) {
    engine.runCalls('winoIn', WINO_IN_PARAMS, ins.slice(i, i + size), 16 * 16 * C * P, `${what}: input transform`);
  }
  const gemms = Array.from({ length: 16 }, (_, xi) =>
    partWords(PART.GEMM, GEMM_FIELDS, {
      M: O, N: P, K: C, a: u.ptr + 4 * xi * u.step, ars: u.rs, acs: u.cs,
      b: v + 4 * xi * C * P, brs: P, bcs: 1, c: m + 4 * xi * O * P, ldc: P, accumulate: 0, packed: u.packed ? 1 : 0,
    }),
  );
  engine.runParts(gemms, 2 * 16 * O * C * P, `${what}: 16 GEMMs`);
  const outs = [];
  const step = Math.max(1, Math.ceil(O / OUT_PARTS));
  for (let n = 0; n < N; n++) {
    for (let o0 = 0; o0 < O; o0 += step) {
      const o1 = Math.min(O, o0 + step);
      const yo = y + 4 * (n * O + o0) * Ho * Wo;
      outs.push({ m: m + 4 * (o0 * P + n * tiles), ldx: O * P, ldp: P, y: yo, Ho, Wo, oy0: 0, nTy, nTxp, nTx, O: o1 - o0 });
    }
  }
  engine.runCalls('winoOut', WINO_OUT_PARAMS, outs, 16 * 16 * O * P, `${what}: output transform`);
}
