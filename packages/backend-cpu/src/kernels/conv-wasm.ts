import type { Conv2dAttrs, Kernel, KernelContext, PrimitiveAttrs } from '@tessera/core';
import { CONV_FIELDS, PART, partWords, type PartKind } from '../wasm/parts.js';
import type { WasmEngine } from '../wasm/engine.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, geometry, type ConvGeom } from './conv.js';
import { copyOut, f32Inputs, zeros } from './f32-args.js';
import { prepared } from './prepared.js';
import { wrap } from './storage.js';
import {
  WINOGRAD_DEFAULTS,
  runWinograd,
  runWinogradFilterGrad,
  winogradForward,
  winogradInputGrad,
  type WinogradOptions,
} from './winograd.js';

/**
 * Default of the most floats one im2col block may hold (512 KiB: it stays in a core's L2
 * cache between im2col, packing and GEMM). Small images are grouped up to it, large ones
 * are done in bands of output rows.
 */
const BLOCK_FLOATS = 1 << 17;
/** Columns a GEMM should have at least, when grouping small images reaches that within the block. */
const TARGET_COLS = 256;
/** Parts a conv is split into (at most): enough for threads to balance, few enough that each part's scratch is small. */
const MAX_PARTS = 16;
/** Fewer image groups than this split their row bands into parts (where the outputs allow). */
const MIN_PARTS = 4;
/** Output-channel parts per image when a small batch of a deep layer is split by channels (see `plan`). */
const CHANNEL_PARTS = 4;

/** How a conv is cut into GEMMs and parts. */
interface Plan {
  /** Images per GEMM (1 when images are cut into row bands). */
  readonly per: number;
  /** Output rows per GEMM (Ho unless one image's im2col exceeds the block). */
  readonly rows: number;
  /**
   * Image ranges [n0, n1), output-row ranges [r0, r1) and output-channel ranges [o0, o1)
   * (within each group) of the parts (images in whole `per` groups).
   */
  readonly ranges: readonly (readonly [n0: number, n1: number, r0: number, r1: number, o0: number, o1: number])[];
  /** Floats of one part's im2col block and of its gathered-output block. */
  readonly colFloats: number;
  readonly tFloats: number;
}

/**
 * Groups small images (or bands large ones) so one im2col block fits `limit` floats, then
 * splits the batch into parts; with `splitRows` (outputs that rows own disjointly: not the
 * input gradient, whose col2im bands overlap) a batch of fewer than `MIN_PARTS` banded
 * images is split into runs of bands. With `splitChannels` (the forward conv) such a small
 * batch of a layer with at least twice as many output channels as output pixels (deep
 * layers: ResNet-18's 7×7 stage at batch 1, whose 49 outputs make one or two row bands) is
 * split into output-channel ranges instead: each part packs only its rows of W and
 * im2cols the image itself, and the parts are equal (row bands of 7 rows are not). Where
 * Og < 2·Ho·Wo, row bands measured faster (bench/RESULTS.md).
 */
function plan(g: ConvGeom, limit: number, splitRows: boolean, splitChannels = false): Plan {
  const perImage = g.R * g.Ho * g.Wo;
  let per = 1;
  let rows = g.Ho;
  if (perImage > limit) rows = Math.max(1, Math.min(g.Ho, Math.floor(limit / Math.max(1, g.R * g.Wo))));
  else per = Math.max(1, Math.min(g.N, Math.ceil(TARGET_COLS / Math.max(1, g.Ho * g.Wo)), Math.floor(limit / Math.max(1, perImage))));
  const groups = Math.ceil(g.N / per);
  const ranges: [number, number, number, number, number, number][] = [];
  const bands = Math.ceil(g.Ho / rows);
  const Og = g.Og;
  if (splitChannels && per === 1 && groups < MIN_PARTS && g.G === 1 && Og >= 2 * g.Ho * g.Wo && Og >= 8 * CHANNEL_PARTS) {
    // Channel ranges in whole 4-row register tiles (the last one ends at Og).
    const cut = (i: number) => Math.min(Og, 4 * Math.round((i * Og) / (4 * CHANNEL_PARTS)));
    for (let n = 0; n < g.N; n++) {
      for (let i = 0; i < CHANNEL_PARTS; i++) ranges.push([n, n + 1, 0, g.Ho, cut(i), cut(i + 1)]);
    }
  } else if (splitRows && per === 1 && groups < MIN_PARTS && bands > 1) {
    // Too few images to keep the threads busy (batch 1 inference): parts take runs of
    // whole bands of one image instead (their outputs, or partial dw, are disjoint).
    const each = Math.max(1, Math.ceil(bands / Math.max(1, Math.floor(MAX_PARTS / g.N))));
    for (let n = 0; n < g.N; n++) {
      for (let b = 0; b < bands; b += each) ranges.push([n, n + 1, b * rows, Math.min(g.Ho, (b + each) * rows), 0, Og]);
    }
  } else {
    const parts = Math.min(groups, MAX_PARTS);
    for (let p = 0; p < parts; p++) {
      const n0 = Math.floor((p * groups) / parts) * per;
      const n1 = Math.min(g.N, Math.floor(((p + 1) * groups) / parts) * per);
      if (n1 > n0) ranges.push([n0, n1, 0, g.Ho, 0, Og]);
    }
  }
  const cols = per * rows * g.Wo;
  return { per, rows, ranges, colFloats: g.R * cols, tFloats: per > 1 ? Og * cols : 0 };
}

/** Byte addresses one conv kernel hands its parts. */
interface Buffers {
  /** The image tensor (dx for the input gradient). */
  readonly img: number;
  readonly w: number;
  /** y for the forward pass, dy for the gradients. */
  readonly y: number;
  /** The filters packed ahead (kernels/prepared.ts) and their padded row count, or 0. */
  readonly wpk?: number;
  readonly wmp?: number;
}

/**
 * Most output pixels (N·Ho·Wo) of a forward conv whose filters are packed ahead: with few
 * columns per call, packing W's rows is a large share of each call (bench/RESULTS.md).
 */
const PREPARE_MAX_COLUMNS = 256;

/**
 * Runs a conv of `kind` as parts on the engine (threads when it pays); returns the byte
 * address of each part's zeroed partial filter gradient (CONV_FILTER only).
 */
function runConv(engine: WasmEngine, kind: PartKind, g: ConvGeom, p: Plan, b: Buffers, what: string): number[] {
  const wFloats = g.O * g.R;
  const partials: number[] = [];
  const parts = p.ranges.map(([n0, n1, r0, r1, o0, o1]) => {
    const col = engine.alloc(p.colFloats);
    const t = p.tFloats > 0 ? engine.alloc(p.tFloats) : 0;
    // The first part's partial is the filter gradient itself (an output block).
    const partial = kind === PART.CONV_FILTER ? zeros(engine, wFloats, partials.length === 0) : 0;
    if (partial) partials.push(partial);
    const { C, H, W, O, G, kH, kW, Ho, Wo, sh, sw, pt, pl, dh, dw } = g;
    const geom = { C, H, W, O, G, kH, kW, Ho, Wo, sh, sw, pt, pl, dh, dw };
    const packed = { wpk: b.wpk ?? 0, wmp: b.wmp ?? 0 };
    return partWords(kind, CONV_FIELDS, { n0, n1, per: p.per, rows: p.rows, ...b, ...packed, partial, col, t, ...geom, r0, r1, o0, o1 });
  });
  engine.runParts(parts, 2 * g.N * g.O * g.R * g.Ho * g.Wo, what);
  return partials;
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

const shapes = (...s: readonly (readonly number[])[]) => s.map((x) => `[${x.join(',')}]`).join(' ');

/*
 * The conv kernels below take the engine and, for tests, the im2col block size in floats
 * and the Winograd path's options (null: never Winograd).
 */

/**
 * conv2d on the GEMM: y[n, g] (Og × Ho·Wo) = W_g (Og × R) · im2col(x[n, g]) (R × Ho·Wo),
 * or Winograd F(2×2, 3×3) for the 3×3 stride-1 convs it suits.
 */
export function wasmConv2d(
  engine: WasmEngine,
  blockFloats = BLOCK_FLOATS,
  wino: WinogradOptions | null = WINOGRAD_DEFAULTS,
): Kernel<PrimitiveAttrs['conv2d']> {
  return withFallback(conv2d, ({ inputs: [x, w], attrs, out }, [xv, wv]) => {
    const g = geometry(x.shape, w.shape, out.shape, attrs);
    engine.reset();
    const img = engine.copyIn(xv);
    const y = engine.allocOut(out.size);
    const wg = wino && winogradForward(g, wino, engine.threads);
    if (wino && wg) {
      runWinograd(engine, wg, wv, false, img, y, wino, `conv2d (Winograd) ${shapes(x.shape, w.shape)}`);
      return copyOut(engine, y, out.size);
    }
    let wpk = 0;
    if (g.G === 1 && g.N * g.Ho * g.Wo <= PREPARE_MAX_COLUMNS) {
      const build = (dst: number) => engine.packInto(g.O, g.R, { ptr: engine.copyIn(wv), rs: g.R, cs: 1 }, dst);
      wpk = prepared(engine, wv, 'conv', engine.packedFloats(g.O, g.R), build);
    }
    const bufs = { img, w: wpk ? 0 : engine.copyIn(wv), y, wpk, wmp: engine.packedRows(g.O) };
    runConv(engine, PART.CONV, g, plan(g, blockFloats, true, true), bufs, `conv2d ${shapes(x.shape, w.shape)}`);
    return copyOut(engine, y, out.size);
  });
}

/**
 * dx[n, g] = col2im(W_gᵀ (R × Og) · dy[n, g] (Og × Ho·Wo)), or for 3×3 stride-1 convs the
 * Winograd forward conv of dy with the flipped, transposed filter.
 */
export function wasmConv2dBackpropInput(
  engine: WasmEngine,
  blockFloats = BLOCK_FLOATS,
  wino: WinogradOptions | null = WINOGRAD_DEFAULTS,
): Kernel<PrimitiveAttrs['conv2dBackpropInput']> {
  return withFallback(conv2dBackpropInput, ({ inputs: [dy, w], attrs, out }, [dyv, wv]) => {
    const g = geometry(attrs.inputShape, w.shape, dy.shape, attrs);
    engine.reset();
    const y = engine.copyIn(dyv);
    const wg = wino && winogradInputGrad(g, wino, engine.threads);
    if (wino && wg) {
      const dx = engine.allocOut(out.size);
      runWinograd(engine, wg, wv, true, y, dx, wino, `conv2dBackpropInput (Winograd) ${shapes(dy.shape, w.shape)}`);
      return copyOut(engine, dx, out.size);
    }
    const wp = engine.copyIn(wv);
    const dx = zeros(engine, out.size, true);
    runConv(
      engine,
      PART.CONV_INPUT,
      g,
      plan(g, blockFloats, false),
      { img: dx, w: wp, y },
      `conv2dBackpropInput ${shapes(dy.shape, w.shape)}`,
    );
    return copyOut(engine, dx, out.size);
  });
}

/**
 * dw_g (Og × R) = Σₙ dy[n, g] (Og × Ho·Wo) · im2col(x[n, g])ᵀ: each part sums its images
 * into its own partial, and the partials are added in part order (the same order whatever
 * the thread count). 3×3 stride-1 convs take the Winograd path (see winograd.ts).
 */
export function wasmConv2dBackpropFilter(
  engine: WasmEngine,
  blockFloats = BLOCK_FLOATS,
  wino: WinogradOptions | null = WINOGRAD_DEFAULTS,
): Kernel<PrimitiveAttrs['conv2dBackpropFilter']> {
  return withFallback(conv2dBackpropFilter, ({ inputs: [x, dy], attrs, out }, [xv, dyv]) => {
    const g = geometry(x.shape, attrs.filterShape, dy.shape, attrs);
    engine.reset();
    const img = engine.copyIn(xv);
    const y = engine.copyIn(dyv);
    const wg = wino && winogradForward(g, wino, 1);
    if (wino && wg) {
      const dw = engine.allocOut(out.size);
      runWinogradFilterGrad(engine, wg, img, y, dw, wino, `conv2dBackpropFilter (Winograd) ${shapes(x.shape, dy.shape)}`);
      return copyOut(engine, dw, out.size);
    }
    const partials = runConv(
      engine,
      PART.CONV_FILTER,
      g,
      plan(g, blockFloats, true),
      { img, w: 0, y },
      `conv2dBackpropFilter ${shapes(x.shape, dy.shape)}`,
    );
    if (partials.length === 0) return copyOut(engine, zeros(engine, out.size, true), out.size);
    for (const p of partials.slice(1)) engine.fns.add_vv(partials[0], p, partials[0], out.size);
    return copyOut(engine, partials[0], out.size);
  });
}
