import { PART, WINOGRAD_FIELDS, partWords } from '../wasm/parts.js';
import type { WasmEngine } from '../wasm/engine.js';
import { MUL_ROWS } from '../wasm/wino-products-module.js';
import type { ConvGeom } from './conv.js';
import { prepared } from './prepared.js';
import { phasedFits, runPhased } from './winograd-phased.js';

/**
 * Winograd F(2×2, 3×3) convolutions on the wasm engine: 3×3, stride 1, dilation 1, one
 * group, padding at most 2 on each side. 16 products of K = C replace the im2col GEMM of
 * K = 9C, 2.25× fewer multiply-adds; the two data transforms are SIMD passes
 * (wasm/winograd-module.ts), the 16 products of a block one call of a register-tiled kernel
 * that reads V in place (wasm/wino-products-module.ts), the filter transform one small GEMM
 * per call.
 */

/** When a conv takes the Winograd path (defaults; tests lower them). */
export interface WinogradOptions {
  /** Fewest input and output channels (small K and M make its 16 GEMMs slower than one im2col GEMM). */
  readonly minChannels: number;
  /**
   * Largest ratio of Winograd's multiply-adds (its 16 GEMMs over the padded tiles plus the
   * per-call filter transform) to the direct conv's for which it is taken: below 1 to
   * cover the data transforms (few tiles, e.g. 7×7 at batch 1, would not repay the filter
   * transform).
   */
  readonly maxWorkRatio: number;
  /** Floats one part's V and M blocks may hold together (sets the tiles per block). */
  readonly blockFloats: number;
}

export const WINOGRAD_DEFAULTS: WinogradOptions = { minChannels: 16, maxWorkRatio: 0.8, blockFloats: 1 << 18 };

/** Parts a conv is split into (at most), as for the im2col convs. */
const MAX_PARTS = 16;
/** Fewer image groups than this split their tile rows into parts. */
const MIN_PARTS = 4;

/** The forward convolution a Winograd call computes: input [N, C, H, W] → output [N, O, Ho, Wo]. */
export interface WinoGeom {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly pt: number;
  readonly pl: number;
}

/** The 2×2 output tiles of one image: nTy rows of nTx, each row padded to nTxp (a multiple of 4: the transforms take four at a time). */
function tileGrid(g: WinoGeom): { nTy: number; nTx: number; nTxp: number } {
  const nTx = Math.ceil(g.Wo / 2);
  return { nTy: Math.ceil(g.Ho / 2), nTx, nTxp: 4 * Math.ceil(nTx / 4) };
}

/** Padded tiles of one image (the columns its GEMMs compute). */
const tiles = (g: WinoGeom) => {
  const { nTy, nTxp } = tileGrid(g);
  return nTy * nTxp;
};

/**
 * Whether the forward conv `g` (a 3×3 stride-1 conv with its padding) takes the Winograd path
 * on `threads` threads. The phased path (winograd-phased.ts) prepares its transformed filter
 * once per weights, so its calls do not pay the filter transform.
 */
function worthIt(g: WinoGeom, o: WinogradOptions, threads: number): boolean {
  const pb = g.Ho + 2 - g.H - g.pt;
  const pr = g.Wo + 2 - g.W - g.pl;
  const padsOk = [g.pt, g.pl, pb, pr].every((p) => p >= 0 && p <= 2);
  const filterFree = phasedFits({ ...g, ...tileGrid(g) }, threads, o.blockFloats);
  // Per (output, input) channel pair: 16 products per padded tile, 16·9 for the filter transform, 9 per pixel direct.
  const work = 16 * g.N * tiles(g) + (filterFree ? 0 : 16 * 9);
  return padsOk && Math.min(g.C, g.O) >= o.minChannels && work <= o.maxWorkRatio * 9 * g.N * g.Ho * g.Wo;
}

const is3x3 = (g: ConvGeom) => g.kH === 3 && g.kW === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.G === 1;

/** conv2d's Winograd geometry on `threads` threads, or null when it takes the im2col path. */
export function winogradForward(g: ConvGeom, o: WinogradOptions, threads = 1): WinoGeom | null {
  if (!is3x3(g)) return null;
  const w: WinoGeom = { N: g.N, C: g.C, H: g.H, W: g.W, O: g.O, Ho: g.Ho, Wo: g.Wo, pt: g.pt, pl: g.pl };
  return worthIt(w, o, threads) ? w : null;
}

/**
 * conv2dBackpropInput's geometry as a forward conv, or null: for stride 1, dx is dy convolved
 * with the flipped, transposed filter (O input channels, C outputs) with padding 2 − p, on
 * `threads` threads.
 */
export function winogradInputGrad(g: ConvGeom, o: WinogradOptions, threads = 1): WinoGeom | null {
  if (!is3x3(g)) return null;
  const w: WinoGeom = { N: g.N, C: g.O, H: g.Ho, W: g.Wo, O: g.C, Ho: g.H, Wo: g.W, pt: 2 - g.pt, pl: 2 - g.pl };
  return worthIt(w, o, threads) ? w : null;
}

/** G of F(2×2, 3×3): U = G f Gᵀ for a 3×3 filter f. */
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/**
 * The filter transform as a 16 × 9 matrix T (T[4i + j][3p + q] = G[i][p]·G[j][q], so
 * U[ξ] = Σₖ T[ξ][k]·f[k] for a filter's 9 taps f); `flip` reverses the taps (the 180°
 * rotation of the input gradient's filter).
 */
function transformMatrix(flip: boolean): Float32Array {
  const t = new Float32Array(16 * 9);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      for (let k = 0; k < 9; k++) t[(4 * i + j) * 9 + (flip ? 8 - k : k)] = G[i][Math.floor(k / 3)] * G[j][k % 3];
    }
  }
  return t;
}

const TRANSFORM = [transformMatrix(false), transformMatrix(true)] as const;

/**
 * U[ξ][a][b] for the filters of `w` ([A, B, 3, 3] at byte address `w`): one GEMM,
 * U (16 × A·B) = T (16 × 9) · wᵀ (9 × A·B), on the engine's threads; returns its address.
 */
function filterTransform(engine: WasmEngine, w: number, A: number, B: number, flip: boolean): number {
  const t = engine.copyIn(TRANSFORM[flip ? 1 : 0]);
  const u = engine.alloc(16 * A * B);
  engine.gemm(16, A * B, 9, { ptr: t, rs: 9, cs: 1 }, { ptr: w, rs: 1, cs: 9 }, u, A * B, false);
  return u;
}

/**
 * Most input and output channels for which a block's 16 products run as one call of the
 * small-channel kernels (winoMul, winoDot), not as 16 GEMMs: with more, the GEMM's packing
 * pays for itself (CIFAR ResNet-20's 16–64 channels are faster on the kernels, ResNet-18 at
 * batch 1 was slower; bench/RESULTS.md).
 */
const TILED_MAX_CHANNELS = 64;

const tiled = (g: WinoGeom) => Math.max(g.C, g.O) <= TILED_MAX_CHANNELS;

/**
 * U (16 matrices O × C at byte address `t`, U[ξ][o][c] at float `ξ·O·C + o·us[0] + c·us[1]`)
 * packed for winoMul: per ξ, ⌈O/4⌉ blocks of C columns of 4 rows, rows past O zero.
 * Returns the packed copy's byte address.
 */
function packU(engine: WasmEngine, t: number, O: number, C: number, us: readonly [number, number]): number {
  const R = MUL_ROWS;
  const Ob = Math.ceil(O / R);
  const up = engine.alloc(16 * Ob * C * R);
  const f = engine.f32;
  const [src, dst] = [t >> 2, up >> 2];
  for (let xi = 0; xi < 16; xi++) {
    for (let o = 0; o < Ob * R; o++) {
      const row = dst + (xi * Ob + Math.floor(o / R)) * C * R + (o % R);
      const from = src + xi * O * C + o * us[0];
      for (let c = 0; c < C; c++) f[row + c * R] = o < O ? f[from + c * us[1]] : 0;
    }
  }
  return up;
}

/** How a Winograd call is cut: images per block, tile rows per block, the parts' ranges. */
interface WinoPlan {
  readonly per: number;
  readonly band: number;
  readonly nTx: number;
  readonly nTxp: number;
  /** Tiles of one block (columns of its GEMMs). */
  readonly P: number;
  /** Image ranges [n0, n1) and tile-row ranges [ty0, ty1) of the parts. */
  readonly ranges: readonly (readonly [n0: number, n1: number, ty0: number, ty1: number])[];
}

function plan(g: WinoGeom, o: WinogradOptions): WinoPlan {
  const { N, C, O } = g;
  const { nTy, nTx, nTxp } = tileGrid(g);
  const perImage = nTy * nTxp;
  const target = Math.max(nTxp, Math.floor(o.blockFloats / (16 * (C + O))));
  let per = 1;
  let band = nTy;
  if (perImage > target) band = Math.max(1, Math.floor(target / nTxp));
  else per = Math.max(1, Math.min(N, Math.floor(target / perImage)));
  const groups = Math.ceil(N / per);
  const bands = Math.ceil(nTy / band);
  const ranges: [number, number, number, number][] = [];
  if (per === 1 && groups < MIN_PARTS && bands > 1) {
    const each = Math.max(1, Math.ceil(bands / Math.max(1, Math.floor(MAX_PARTS / N))));
    for (let n = 0; n < N; n++) {
      for (let b = 0; b < bands; b += each) ranges.push([n, n + 1, b * band, Math.min(nTy, (b + each) * band)]);
    }
  } else {
    const parts = Math.min(groups, MAX_PARTS);
    for (let p = 0; p < parts; p++) {
      const n0 = Math.floor((p * groups) / parts) * per;
      const n1 = Math.min(N, Math.floor(((p + 1) * groups) / parts) * per);
      if (n1 > n0) ranges.push([n0, n1, 0, nTy]);
    }
  }
  return { per, band, nTx, nTxp, P: per * band * nTxp, ranges };
}

/** One part's table words (`WINOGRAD_FIELDS`): the ranges, the addresses, the geometry. */
function winogradPart(
  g: WinoGeom,
  p: WinoPlan,
  r: readonly number[],
  addr: { img: number; u: number; y: number; pad: number; v: number; m: number; e: number },
  us: readonly [number, number],
  grad: boolean,
): Int32Array {
  const { C, H, W, O, Ho, Wo, pt, pl } = g;
  const geom = { C, H, W, O, Ho, Wo, pt, pl, nTx: p.nTx, nTxp: p.nTxp, urs: us[0], ucs: us[1], grad: grad ? 1 : 0 };
  const layout = { skew: SKEW, tiled: tiled(g) ? 1 : 0 };
  const ranges = { n0: r[0], n1: r[1], per: p.per, ty0: r[2], ty1: r[3], band: p.band };
  return partWords(PART.WINOGRAD, WINOGRAD_FIELDS, { ...ranges, ...addr, ...geom, ...layout });
}

/**
 * Floats between a block's 16 matrices beyond their size: their strides are multiples of
 * 4 KiB for the usual shapes, so without it the 16 streams of a transform would fall into
 * one set of the L1 cache.
 */
const SKEW = 16;

/** Floats of a part's 16 matrices of `rows` × P (V, M or Ê). */
const blockFloats = (rows: number, p: WinoPlan) => 16 * (rows * p.P + SKEW);

/** Floats of a part's padded band. */
const padFloats = (p: WinoPlan) => (2 * p.nTxp + 2) * (2 * p.band + 2) + 4;

/**
 * Runs the Winograd conv `g` on the engine: input at byte address `img`, filters `w`
 * (conv2d's [O, C, 3, 3], or with `flip` the input gradient's: conv2d's filter
 * [C, O, 3, 3] of the conv whose input gradient this is), output at byte address `y`
 * (every pixel written).
 */
export function runWinograd(
  engine: WasmEngine,
  g: WinoGeom,
  w: Float32Array,
  flip: boolean,
  img: number,
  y: number,
  o: WinogradOptions,
  what: string,
): void {
  const { N, C, O } = g;
  // U[ξ] as the GEMMs' A (O × C): conv2d's filter gives it row-major; the input gradient's
  // [C, O] filter gives its transpose (read with swapped strides).
  const transform = () => {
    const wp = engine.copyIn(w);
    return flip ? filterTransform(engine, wp, C, O, true) : filterTransform(engine, wp, O, C, false);
  };
  const grid = tileGrid(g);
  const [urs, ucs] = flip ? [1, O] : [C, 1];
  if (phasedFits({ ...g, ...grid }, engine.threads, o.blockFloats)) {
    // U packed ahead, once per weights: 16 matrices of packedFloats(O, C) floats.
    const each = engine.packedFloats(O, C);
    const build = (dst: number) => {
      const u = transform();
      for (let xi = 0; xi < 16; xi++) engine.packInto(O, C, { ptr: u + 4 * xi * O * C, rs: urs, cs: ucs }, dst + 4 * xi * each);
    };
    const upk = prepared(engine, w, flip ? 'winograd-flipped' : 'winograd', 16 * each, build);
    const u = upk
      ? { ptr: upk, rs: engine.packedRows(O), cs: 0, step: each, packed: true }
      : { ptr: transform(), rs: urs, cs: ucs, step: O * C, packed: false };
    runPhased(engine, { ...g, ...grid }, u, img, y, what);
    return;
  }
  const t = transform();
  const u = tiled(g) ? packU(engine, t, O, C, [urs, ucs]) : t;
  const p = plan(g, o);
  const parts = p.ranges.map((r) => {
    const [v, m] = [engine.alloc(blockFloats(C, p)), engine.alloc(blockFloats(O, p))];
    const addr = { img, u, y, pad: engine.alloc(padFloats(p)), v, m, e: 0 };
    return winogradPart(g, p, r, addr, [urs, ucs], false);
  });
  engine.runParts(parts, 2 * 16 * N * O * C * p.P, what);
}

/**
 * The filter gradient dw [O, C, 3, 3] of the Winograd conv `g` (input at byte address `img`,
 * output gradient at `dy`) into byte address `dw`: each part sums Ê[ξ]·V[ξ]ᵀ over its tiles
 * (16 × O × C), the parts' sums are added in part order (the same order whatever the thread
 * count), and the filter-side transform Gᵀ M G is one GEMM by the transposed filter transform.
 */
export function runWinogradFilterGrad(
  engine: WasmEngine,
  g: WinoGeom,
  img: number,
  dy: number,
  dw: number,
  o: WinogradOptions,
  what: string,
): void {
  const { N, C, O } = g;
  const p = plan(g, o);
  const sums: number[] = [];
  const parts = p.ranges.map((r) => {
    const m = engine.alloc(16 * O * C + 4);
    sums.push(m);
    const [v, e] = [engine.alloc(blockFloats(C, p)), engine.alloc(blockFloats(O, p))];
    const addr = { img, u: 0, y: dy, pad: engine.alloc(padFloats(p)), v, m, e };
    return winogradPart(g, p, r, addr, [0, 0], true);
  });
  engine.runParts(parts, 2 * 16 * N * O * C * p.P, what);
  for (const m of sums.slice(1)) engine.fns.add_vv(sums[0], m, sums[0], 16 * O * C);
  const t = engine.copyIn(TRANSFORM[0]);
  // dw[oc][k] = Σ_ξ M[ξ][oc]·T[ξ][k]: A = M read as (O·C × 16), B = T (16 × 9).
  engine.gemm(O * C, 9, 16, { ptr: sums[0], rs: 1, cs: O * C }, { ptr: t, rs: 9, cs: 1 }, dw, 9, false);
}
