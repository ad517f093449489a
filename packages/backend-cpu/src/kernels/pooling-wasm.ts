import type { Kernel, PrimitiveAttrs, Pool2dAttrs } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import type { CallableName } from '../wasm/parts.js';
import { POOL_PARAMS, type PoolArgs } from '../wasm/pooling-module.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { axisWindows, maxPool2d, maxPool2dBackward } from './pooling.js';
import { wrap } from './storage.js';

/** Floats of zeroed slack after x: the wasm fast path and NaN scan read up to 3 floats past its end. */
const SLACK = 4;

/** Runs one of the module's pooling functions on a staged input: `y` is y or dy, `dx` the gradient (0 forward). */
type StagedPool = (fn: CallableName, y: number, dx: number) => void;

/** Most parts a pooling call is split into (planes are independent: any split gives the same result). */
const POOLING_PARTS = 8;

/**
 * Puts a max pool's input x (with zeroed slack; in place when it already lives in the
 * engine's memory) and its window geometry into the engine's memory; returns how to call maxPool / maxPoolBackward on them.
 */
function stagePool(
  engine: WasmEngine,
  x: Float32Array,
  xShape: readonly number[],
  yShape: readonly number[],
  { kernel, strides, pads }: Pool2dAttrs,
): StagedPool {
  const [N, C, H, W] = xShape;
  const [, , Ho, Wo] = yShape;
  const xPtr = engine.copyIn(x, SLACK);
  const hw = axisWindows(Ho, H, kernel[0], strides[0], pads[0], pads[1]);
  const ww = axisWindows(Wo, W, kernel[1], strides[1], pads[2], pads[3]);
  // The table: row starts, row ends, column starts, column ends of the clipped windows.
  const win = engine.alloc(2 * (Ho + Wo));
  const i32 = engine.i32;
  let at = win >>> 2;
  for (const t of [hw.start, hw.end, ww.start, ww.end]) {
    i32.set(t, at);
    at += t.length;
  }
  // Output columns whose windows are whole, and whose windows are not empty: contiguous runs [lo, hi), as window starts grow with ow.
  const [kw, sw, padL] = [kernel[1], strides[1], pads[2]];
  const run = (keep: (o: number) => boolean): [number, number] => {
    let lo = 0;
    while (lo < Wo && !keep(lo)) lo++;
    let hi = lo;
    while (hi < Wo && keep(hi)) hi++;
    return [lo, hi];
  };
  const whole = run((o) => ww.end[o] - ww.start[o] === kw);
  const nonEmpty = run((o) => ww.end[o] > ww.start[o]);
  // Some windows clipped at the left or right: those columns run on a −∞-padded copy of each plane.
  const padded = whole[0] !== nonEmpty[0] || whole[1] !== nonEmpty[1];
  const [lo, hi] = padded ? nonEmpty : whole;
  const Wp = padded ? Math.max(padL + W, (Wo - 1) * sw + kw) : 0;
  // Disjoint ranges of planes, each with its own padded-plane and row scratch, so worker
  // threads can run them at once.
  const planes = N * C;
  const parts = Math.max(1, Math.min(POOLING_PARTS, planes));
  const ranges = Array.from({ length: parts }, (_, i) => {
    const p0 = Math.floor((i * planes) / parts);
    const p1 = Math.floor(((i + 1) * planes) / parts);
    const pbuf = padded ? engine.alloc(H * Wp + SLACK) : 0;
    const tmp = engine.alloc(Math.max(W, Wp) + 4);
    return { p0, n: p1 - p0, pbuf, tmp };
  });
  const work = 2 * planes * H * W * kernel[0] * kernel[1];
  return (fn, y, dx) => {
    const [inPlane, outPlane] = [4 * H * W, 4 * Ho * Wo];
    // y (or dy) steps by output planes; x and dx by input planes.
    const args = ranges
      .filter((r) => r.n > 0)
      .map((r): PoolArgs => ({
        planes: r.n, H, W, Ho, Wo, win,
        x: xPtr + r.p0 * inPlane,
        y: y + r.p0 * outPlane,
        dx: dx === 0 ? 0 : dx + r.p0 * inPlane,
        kw, sw, lo, hi, padL, Wp, pbuf: r.pbuf, tmp: r.tmp,
      }));
    engine.runCalls(fn, POOL_PARAMS, args, work, `${fn} [${xShape.join(',')}]`);
  };
}

/** float32 max pooling in wasm (same first-maximum and NaN rules as the TypeScript kernel). */
export function wasmMaxPool2d(engine: WasmEngine): Kernel<PrimitiveAttrs['maxPool2d']> {
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
    if (!vs) return maxPool2d(ctx);
    const { inputs: [x], attrs, out } = ctx;
    engine.reset();
    const pool = stagePool(engine, vs[0], x.shape, out.shape, attrs);
    const y = engine.allocOut(out.size);
    pool('maxPool', y, 0);
    return wrap(copyOut(engine, y, out.size));
  };
}

/** Its gradient in wasm: each dy goes to its window's first maximum (accumulated in float32, in output order). */
export function wasmMaxPool2dBackward(engine: WasmEngine): Kernel<PrimitiveAttrs['maxPool2dBackward']> {
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
    if (!vs) return maxPool2dBackward(ctx);
    const { inputs: [dy, x], attrs, out } = ctx;
    engine.reset();
    const dyPtr = engine.copyIn(vs[0]);
    const pool = stagePool(engine, vs[1], x.shape, dy.shape, attrs);
    const dx = engine.allocOut(out.size); // maxPoolBackward zeroes it plane by plane
    pool('maxPoolBackward', dyPtr, dx);
    return wrap(copyOut(engine, dx, out.size));
  };
}
