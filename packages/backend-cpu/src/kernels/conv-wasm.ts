import type { Conv2dAttrs, Kernel, KernelContext, PrimitiveAttrs } from '@tessera/core';
import type { WasmGemm } from '../wasm/engine.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, geometry, type ConvGeom } from './conv.js';
import { copyOut, f32Inputs, zeros } from './f32-args.js';
import { wrap } from './storage.js';

/** Default of the most floats one im2col chunk may hold (64 MiB); more columns are split into chunks. */
const CHUNK_FLOATS = 1 << 24;

/** Output rows oh0..oh0+nOh−1 of image n, stored at column `col` of a chunk. */
interface Segment {
  readonly n: number;
  readonly oh0: number;
  readonly nOh: number;
  readonly col: number;
}

/**
 * Splits the N·Ho·Wo output positions of a conv into chunks of whole row bands, so that
 * one chunk's im2col matrix (R × cols) fits `limit` floats: many small images share one
 * chunk, which makes one wide GEMM instead of N narrow ones.
 */
function chunks(g: ConvGeom, limit: number): { segs: Segment[]; cols: number }[] {
  const { Ho, Wo, R } = g;
  const rowsPerBand = Math.max(1, Math.min(Ho, Math.floor(limit / Math.max(1, R * Wo))));
  const maxCols = Math.max(rowsPerBand * Wo, Math.floor(limit / Math.max(1, R)));
  const out: { segs: Segment[]; cols: number }[] = [];
  let cur: Segment[] = [];
  let cols = 0;
  for (let n = 0; n < g.N; n++) {
    for (let oh0 = 0; oh0 < Ho; oh0 += rowsPerBand) {
      const nOh = Math.min(rowsPerBand, Ho - oh0);
      if (cols + nOh * Wo > maxCols && cur.length > 0) {
        out.push({ segs: cur, cols });
        cur = [];
        cols = 0;
      }
      cur.push({ n, oh0, nOh, col: cols });
      cols += nOh * Wo;
    }
  }
  if (cur.length > 0) out.push({ segs: cur, cols });
  return out;
}

/** What a conv kernel on the GEMM sees of one chunk of one group. */
interface ChunkCtx {
  readonly g: ConvGeom;
  readonly gi: number;
  readonly segs: readonly Segment[];
  readonly cols: number;
  readonly first: boolean;
  /** The widest chunk (what the first call should allocate for). */
  readonly maxCols: number;
}

/** Runs `fn` for every group and chunk; `first` marks the first call, which allocates. */
function forEachChunk(g: ConvGeom, limit: number, fn: (c: ChunkCtx) => void): void {
  const list = chunks(g, limit);
  const maxCols = Math.max(0, ...list.map((c) => c.cols));
  let first = true;
  for (let gi = 0; gi < g.G; gi++) {
    for (const { segs, cols } of list) {
      fn({ g, gi, segs, cols, first, maxCols });
      first = false;
    }
  }
}

/**
 * Fills col (R × cols at byte address `ptr`) with the chunk's im2col of the image tensor
 * at `x` (or, with `scatter`, adds it back into that tensor: col2im), in wasm.
 */
function chunkIm2col(engine: WasmGemm, c: ChunkCtx, x: number, ptr: number, scatter: boolean): void {
  const { g, gi } = c;
  const run = scatter ? engine.fns.col2im : engine.fns.im2col;
  for (const s of c.segs) {
    const img = x + 4 * (s.n * g.C + gi * g.Cg) * g.H * g.W;
    run(img, ptr + 4 * s.col, c.cols, g.Cg, g.H, g.W, g.kH, g.kW, g.Wo, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, s.oh0, s.nOh);
  }
}

/**
 * Moves the chunk's part of a [N, O, Ho, Wo] tensor at byte address `t` to/from an
 * Og × cols matrix at `ptr` (`toMatrix` picks the direction), in wasm.
 */
function chunkOutputs(engine: WasmGemm, c: ChunkCtx, t: number, ptr: number, toMatrix: boolean): void {
  const { g, gi, cols } = c;
  const HWo = g.Ho * g.Wo;
  for (const s of c.segs) {
    const at = t + 4 * ((s.n * g.O + gi * g.Og) * HWo + s.oh0 * g.Wo);
    const m = ptr + 4 * s.col;
    if (toMatrix) engine.fns.copy2d(at, HWo, m, cols, g.Og, s.nOh * g.Wo);
    else engine.fns.copy2d(m, cols, at, HWo, g.Og, s.nOh * g.Wo);
  }
}

/** Wraps a GEMM-based float32 conv kernel with the TypeScript one for other dtypes. */
function withFallback<A extends Conv2dAttrs>(
  ts: Kernel<A>,
  f32: (ctx: KernelContext<A>, inputs: Float32Array[]) => Float32Array,
): Kernel<A> {
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype);
    return vs ? wrap(f32(ctx, vs)) : ts(ctx);
  };
}

/**
 * The conv kernels below take the engine and, for tests, the im2col chunk size in floats.
 */

/** conv2d on the GEMM: Y_g (Og × cols) = W_g (Og × R) · im2col(x) (R × cols), per chunk. */
export function wasmConv2d(engine: WasmGemm, chunkFloats = CHUNK_FLOATS): Kernel<PrimitiveAttrs['conv2d']> {
  return withFallback(conv2d, ({ inputs: [x, w], attrs, out }, [xv, wv]) => {
    const g = geometry(x.shape, w.shape, out.shape, attrs);
    engine.reset();
    const xPtr = engine.copyIn(xv);
    const wPtr = engine.copyIn(wv);
    const y = engine.alloc(out.size);
    let col = 0;
    let yt = 0;
    forEachChunk(g, chunkFloats, (c) => {
      if (c.first) {
        col = engine.alloc(g.R * c.maxCols);
        yt = engine.alloc(g.Og * c.maxCols);
      }
      chunkIm2col(engine, c, xPtr, col, false);
      engine.gemm(g.Og, c.cols, g.R, { ptr: wPtr + 4 * c.gi * g.Og * g.R, rs: g.R, cs: 1 }, { ptr: col, rs: c.cols, cs: 1 }, yt, c.cols, false);
      chunkOutputs(engine, c, y, yt, false);
    });
    return copyOut(engine, y, out.size);
  });
}

/** dx = col2im(W_gᵀ (R × Og) · dy_g (Og × cols)), per chunk. */
export function wasmConv2dBackpropInput(engine: WasmGemm, chunkFloats = CHUNK_FLOATS): Kernel<PrimitiveAttrs['conv2dBackpropInput']> {
  return withFallback(conv2dBackpropInput, ({ inputs: [dy, w], attrs, out }, [dyv, wv]) => {
    const g = geometry(attrs.inputShape, w.shape, dy.shape, attrs);
    engine.reset();
    const dyPtr = engine.copyIn(dyv);
    const wPtr = engine.copyIn(wv);
    const dx = zeros(engine, out.size);
    let col = 0;
    let dyt = 0;
    forEachChunk(g, chunkFloats, (c) => {
      if (c.first) {
        col = engine.alloc(g.R * c.maxCols);
        dyt = engine.alloc(g.Og * c.maxCols);
      }
      chunkOutputs(engine, c, dyPtr, dyt, true);
      engine.gemm(g.R, c.cols, g.Og, { ptr: wPtr + 4 * c.gi * g.Og * g.R, rs: 1, cs: g.R }, { ptr: dyt, rs: c.cols, cs: 1 }, col, c.cols, false);
      chunkIm2col(engine, c, dx, col, true);
    });
    return copyOut(engine, dx, out.size);
  });
}

/** dw_g (Og × R) = Σ over chunks dy_g (Og × cols) · im2col(x)ᵀ (cols × R). */
export function wasmConv2dBackpropFilter(engine: WasmGemm, chunkFloats = CHUNK_FLOATS): Kernel<PrimitiveAttrs['conv2dBackpropFilter']> {
  return withFallback(conv2dBackpropFilter, ({ inputs: [x, dy], attrs, out }, [xv, dyv]) => {
    const g = geometry(x.shape, attrs.filterShape, dy.shape, attrs);
    engine.reset();
    const xPtr = engine.copyIn(xv);
    const dyPtr = engine.copyIn(dyv);
    const dw = zeros(engine, out.size);
    let col = 0;
    let dyt = 0;
    forEachChunk(g, chunkFloats, (c) => {
      if (c.first) {
        col = engine.alloc(g.R * c.maxCols);
        dyt = engine.alloc(g.Og * c.maxCols);
      }
      chunkIm2col(engine, c, xPtr, col, false);
      chunkOutputs(engine, c, dyPtr, dyt, true);
      engine.gemm(g.Og, g.R, c.cols, { ptr: dyt, rs: c.cols, cs: 1 }, { ptr: col, rs: 1, cs: c.cols }, dw + 4 * c.gi * g.Og * g.R, g.R, true);
    });
    return copyOut(engine, dw, out.size);
  });
}
