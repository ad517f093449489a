import type { OutputSpec } from '@tessera/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { applyEpilogue, plainPut, storeEpilogue, type EpilogueCall, type StoreEpilogue } from './epilogue.js';
import { pu } from '../wgsl/params.js';
import type { ScalarType } from '../wgsl/scalar.js';
import { bindings, ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { fill } from './movement.js';
import { reduce } from './reduce.js';
import { chooseTile, tileName, type GemmTile } from './tiles.js';

/**
 * One GEMM problem: C[b] (M×N) = A[b] (M×K) · B[b] (K×N) for b in [0, batch), where A, B
 * and C are not tensors but WGSL functions. Matmul reads plain (possibly transposed,
 * broadcast) matrices; convolution and its two gradients read an implicit im2col matrix,
 * so all four are this one tiled kernel with different loaders.
 */
export interface GemmProblem {
  /** Key of the loaders (the kernel key adds type and tile). */
  readonly key: string;
  readonly type: ScalarType;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batch: number;
  /** WGSL `fn loadA(b: u32, m: u32, k: u32) -> T` (called only in range; inputs are `a`, `b2`). */
  readonly loadA: string;
  /** WGSL `fn loadB(b: u32, k: u32, n: u32) -> T`. */
  readonly loadB: string;
  /**
   * WGSL `fn storeC(b: u32, m: u32, n: u32, v: T)` that calls `put(i, v)` with the flat
   * index `i` of output element (b, m, n) in the output's row-major layout (`put` stores
   * it, through the epilogue if there is one).
   */
  readonly storeC: string;
  /** Tile loads walk k fastest (true: A/B is contiguous along k) for coalesced reads. */
  readonly aKFast: boolean;
  readonly bKFast: boolean;
  /** Extra parameter words for the loaders, read from word `GEMM_EXTRA` on. */
  readonly extra: readonly number[];
  /**
   * True when `storeC` writes y[(b·M + m)·N + n]: then a long K with few output tiles may
   * be split into slices whose partial products are summed afterwards (split-K).
   */
  readonly plainStore: boolean;
  /**
   * A second output `yb` (bound after `y`) holding the product's last column (a ones column
   * appended to B: the bias gradient): `storeC` writes element (b, m, N − 1) to
   * yb[b·M + m] and the rest to the output as [batch, M, N − 1]. Split along K, the slices
   * store [batch, M, N] and one pass sums them and separates the column (`sumSlicesSplit`).
   */
  readonly second?: OutputSpec;
}

/** First parameter word the loaders may use. */
export const GEMM_EXTRA = 12;

/** Below this many workgroups (with K ≥ SPLIT_MIN_K), a plain-store GEMM splits K. */
const SPLIT_BELOW_WORKGROUPS = 32;
const SPLIT_MIN_K = 2048;

/**
 * The tiled GEMM shader. `aligned`: M, N and K are multiples of the tile (a
 * shape-specialised variant without bounds checks in the loads and stores).
 */
function gemmShader(pr: GemmProblem, tile: GemmTile, split: boolean, aligned: boolean, epi: StoreEpilogue | null): string {
  const { BM, BN, BK, TM, TN } = tile;
  const WX = BN / TN;
  const WY = BM / TM;
  const threads = WX * WY;
  const T = pr.type;
  const V = `vec4<${T}>`;
  const zero = `${T}(0)`;
  // Shared tiles hold vec4s along m (A) and n (B), so each thread reads its TM (TN)
  // consecutive values with TM/4 (TN/4) vector loads per k.
  const loadTile = (name: 'As' | 'Bs', rows: number, kFast: boolean) => {
    const count = (rows * BK) / threads;
    const decode = kFast ? `let kk = e % ${BK}u; let rr = e / ${BK}u;` : `let rr = e % ${rows}u; let kk = e / ${rows}u;`;
    const call = name === 'As' ? 'loadA(batch, g, k0 + kk)' : 'loadB(batch, k0 + kk, g)';
    const limit = name === 'As' ? 'M' : 'N';
    const origin = name === 'As' ? 'm0' : 'n0';
    return `    for (var l = 0u; l < ${count}u; l++) {
      let e = tid + l * ${threads}u;
      ${decode}
      let g = ${origin} + rr;
      ${aligned ? `let v = ${call};` : `var v = ${zero};
      if (g < ${limit} && k0 + kk < kEnd) { v = ${call}; }`}
      ${name}[kk][rr / 4u][rr % 4u] = v;
    }`;
  };
  const madd = T === 'f32' ? `fma(${V}(ra[i][ii]), rb[j], acc[i * 4u + ii][j])` : `acc[i * 4u + ii][j] + ${V}(ra[i][ii]) * rb[j]`;
  const store = split ? `y[((slice * ${pu(6)} + batch) * M + m) * N + n] = v;` : 'storeC(batch, m, n, v);';
  const inputs = [{ name: 'a', type: T }, { name: 'b2', type: T }, ...(epi?.bindings ?? [])];
  const more = pr.second ? [{ name: 'yb', type: T }] : [];
  return `${bindings({ name: 'y', type: epi?.outType ?? T }, inputs, more)}
${epi ? `${helpersFor(epi.code)}\n${epi.code}` : plainPut(T)}
var<workgroup> As: array<array<${V}, ${BM / 4}>, ${BK}>;
var<workgroup> Bs: array<array<${V}, ${BN / 4}>, ${BK}>;
${pr.loadA}
${pr.loadB}
${pr.storeC}
@compute @workgroup_size(${WX}, ${WY})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let M = ${pu(0)}; let N = ${pu(1)}; let K = ${pu(2)};
  let slices = ${pu(8)};
  let slice = wid.z % slices;
  let batch = wid.z / slices + ${pu(5)};
  let kBegin = slice * ${pu(9)}; let kEnd = min(K, kBegin + ${pu(9)});
  let tn = wid.x + ${pu(3)};
  if (tn >= ${pu(4)} || batch >= ${pu(6)}) { return; }
  let m0 = (wid.y + ${pu(7)}) * ${BM}u; let n0 = tn * ${BN}u;
  let tid = lid.y * ${WX}u + lid.x;
  var acc: array<array<${V}, ${TN / 4}>, ${TM}>;
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}u) {
${loadTile('As', BM, pr.aKFast)}
${loadTile('Bs', BN, pr.bKFast)}
    workgroupBarrier();
    for (var k = 0u; k < ${BK}u; k++) {
      var ra: array<${V}, ${TM / 4}>;
      var rb: array<${V}, ${TN / 4}>;
      for (var i = 0u; i < ${TM / 4}u; i++) { ra[i] = As[k][lid.y * ${TM / 4}u + i]; }
      for (var j = 0u; j < ${TN / 4}u; j++) { rb[j] = Bs[k][lid.x * ${TN / 4}u + j]; }
      for (var i = 0u; i < ${TM / 4}u; i++) {
        for (var ii = 0u; ii < 4u; ii++) {
          for (var j = 0u; j < ${TN / 4}u; j++) { acc[i * 4u + ii][j] = ${madd}; }
        }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < ${TM}u; r++) {
    let m = m0 + lid.y * ${TM}u + r;
    for (var c = 0u; c < ${TN}u; c++) {
      let n = n0 + lid.x * ${TN}u + c;
      let v = acc[r][c / 4u][c % 4u];
      ${aligned ? store : `if (m < M && n < N) { ${store} }`}
    }
  }
}`;
}

/** Number of K slices for a problem: > 1 only when few workgroups face a long K. */
function slicesFor(pr: GemmProblem, workgroups: number, max: number, BK: number): { slices: number; chunk: number } {
  if (!pr.plainStore || workgroups >= SPLIT_BELOW_WORKGROUPS || pr.K < SPLIT_MIN_K) return { slices: 1, chunk: pr.K };
  const want = Math.min(32, max, Math.floor(pr.K / 512), Math.ceil(64 / workgroups));
  const chunk = Math.ceil(Math.ceil(pr.K / want) / BK) * BK;
  return { slices: Math.ceil(pr.K / chunk), chunk };
}

/**
 * Runs a GEMM and returns its output (`out.size` elements of `out.dtype`): column tiles
 * in x, row tiles in y, batch × K slices in z. Whatever exceeds
 * maxComputeWorkgroupsPerDimension is split into several dispatches (tile offsets travel
 * as parameters). With split-K, each slice writes its partial product and one reduction
 * sums them.
 *
 * `epi` (the kernel's `epilogue` attribute) is applied in the store, its extra inputs bound
 * after `a` and `b2` and its layout and scalars in the uniform words after `pr.extra`;
 * where it cannot be (split-K, an empty K, too many words or bindings) it runs as one
 * expression pass over the finished product.
 */
function runGemm(gpu: GpuContext, pr: GemmProblem, a: GpuStorage, b: GpuStorage, out: OutputSpec, epi?: EpilogueCall): GpuStorage {
  return runGemms(gpu, pr, a, b, out, epi)[0];
}

/**
 * `runGemm` returning every output: the product, then `pr.second`'s storage when the
 * problem has one (written by `storeC`; the caller guarantees K > 0 and no epilogue).
 */
export function runGemms(
  gpu: GpuContext,
  pr: GemmProblem,
  a: GpuStorage,
  b: GpuStorage,
  out: OutputSpec,
  epi?: EpilogueCall,
): GpuStorage[] {
  const empty = pr.M === 0 || pr.N === 0 || pr.batch === 0 || pr.K === 0;
  const tile = gpu.tileOverride ?? chooseTile(gpu.preferredTile, pr.M, pr.N, pr.batch);
  const max = gpu.maxGroupsPerDim;
  const tilesN = Math.ceil(pr.N / tile.BN);
  const tilesM = Math.ceil(pr.M / tile.BM);
  const { slices, chunk } = slicesFor(pr, tilesN * tilesM * pr.batch, max, tile.BK);
  const split = slices > 1;
  const fused = epi && !empty && !split ? storeEpilogue(gpu, epi, out, 2, GEMM_EXTRA + pr.extra.length) : null;
  if (epi && !fused) return [applyEpilogue(gpu, epi, runGemm(gpu, pr, a, b, { ...out, dtype: epi.raw }), out)];
  if (empty) {
    const y = gpu.alloc(pr.key, out.size, out.dtype);
    if (out.size > 0) fill(gpu, y, 0);
    return [y];
  }
  const aligned = pr.M % tile.BM === 0 && pr.N % tile.BN === 0 && pr.K % tile.BK === 0 && chunk % tile.BK === 0;
  const variant = `${split ? ':splitk' : ''}${aligned ? ':aligned' : ''}${fused ? `:${fused.key}` : ''}`;
  const key = `gemm:${pr.key}:${pr.type}:${tileName(tile)}${variant}`;
  const yb = pr.second ? gpu.alloc(pr.key, pr.second.size, pr.second.dtype) : null;
  const rawSize = pr.second ? pr.batch * pr.M * pr.N : out.size;
  const y = gpu.alloc(pr.key, split ? slices * rawSize : out.size, out.dtype);
  const spec = {
    key: `${key}${yb ? ':yb' : ''}`,
    code: () => gemmShader(pr, tile, split, aligned, fused),
    inputs: 2 + (fused?.inputs.length ?? 0),
    outputs: yb ? 2 : 1,
  };
  const inputs = [...(yb ? [yb] : []), a, b, ...(fused?.inputs ?? [])];
  const tail = [...pr.extra, ...(fused?.words ?? [])];
  const batchStep = Math.max(1, Math.floor(max / slices));
  for (let b0 = 0; b0 < pr.batch; b0 += batchStep) {
    for (let m0 = 0; m0 < tilesM; m0 += max) {
      for (let n0 = 0; n0 < tilesN; n0 += max) {
        const head = [pr.M, pr.N, pr.K, n0, tilesN, b0, pr.batch, m0, slices, chunk, 0, 0];
        const groups = [Math.min(max, tilesN - n0), Math.min(max, tilesM - m0), Math.min(batchStep, pr.batch - b0) * slices] as const;
        gpu.dispatch(spec, y, inputs, [...head, ...tail], groups);
      }
    }
  }
  if (!split) return yb ? [y, yb] : [y];
  if (yb) {
    const main = sumSlicesSplit(gpu, y, yb, pr, slices, out);
    gpu.release(y);
    return [main, yb];
  }
  const sum = reduce(gpu, 'sum', y, out.dtype, out.dtype, { outer: 1, reduce: slices, inner: out.size });
  gpu.release(y);
  return [sum];
}

/**
 * Sums split-K slices of a problem with a `second` output ([slices][batch·M·N], row length
 * N) and separates the last column into `col`: returns the [batch, M, N − 1] product.
 */
function sumSlicesSplit(gpu: GpuContext, y: GpuStorage, col: GpuStorage, pr: GemmProblem, slices: number, out: OutputSpec): GpuStorage {
  const total = pr.batch * pr.M * pr.N;
  const T = pr.type;
  const main = gpu.alloc(pr.key, out.size, out.dtype);
  const body = `    let n = ${pu(1)}; let r = i / n; let c = i % n;
    var acc = ${T}(0);
    for (var s = 0u; s < ${pu(2)}; s++) { acc += parts[s * ${pu(0)} + i]; }
    if (c + 1u == n) { yb[r] = acc; } else { y[r * (n - 1u) + c] = acc; }`;
  const spec = {
    key: `gemm-slices-split:${T}`,
    code: () => `${bindings({ name: 'y', type: T }, [{ name: 'parts', type: T }], [{ name: 'yb', type: T }])}\n${perElementMain(body)}`,
    inputs: 1,
    outputs: 2,
  };
  gpu.dispatch(spec, main, [col, y], [total, pr.N, slices], gpu.groupsFor(total, ELEMENT_WG));
  return main;
}
