import type { Kernel, PrimitiveAttrs, Pool2dAttrs } from '@tessera/core';
import type { WasmGemm } from '../wasm/engine.js';
import { copyOut, f32Inputs, zeros } from './f32-args.js';
import { axisWindows, maxPool2d, maxPool2dBackward } from './pool.js';
import { wrap } from './storage.js';

/** Writes the clipped windows (row starts, row ends, column starts, column ends) into wasm memory; returns the byte address. */
function windows(engine: WasmGemm, xShape: readonly number[], yShape: readonly number[], { kernel, strides, pads }: Pool2dAttrs): number {
  const [, , H, W] = xShape;
  const [, , Ho, Wo] = yShape;
  const hw = axisWindows(Ho, H, kernel[0], strides[0], pads[0], pads[1]);
  const ww = axisWindows(Wo, W, kernel[1], strides[1], pads[2], pads[3]);
  const ptr = engine.alloc(2 * (Ho + Wo));
  const i32 = engine.i32;
  let at = ptr >> 2;
  for (const t of [hw.start, hw.end, ww.start, ww.end]) {
    i32.set(t, at);
    at += t.length;
  }
  return ptr;
}

/** float32 max pooling in wasm (same first-maximum and NaN rules as the TypeScript kernel). */
export function wasmMaxPool2d(engine: WasmGemm): Kernel<PrimitiveAttrs['maxPool2d']> {
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
    if (!vs) return maxPool2d(ctx);
    const { inputs: [x], attrs, out } = ctx;
    const [N, C, H, W] = x.shape;
    engine.reset();
    const xPtr = engine.copyIn(vs[0]);
    const win = windows(engine, x.shape, out.shape, attrs);
    const y = engine.allocOut(out.size);
    engine.fns.maxPool(N * C, H, W, out.shape[2], out.shape[3], win, xPtr, y, 0);
    return wrap(copyOut(engine, y, out.size));
  };
}

/** Its gradient in wasm: each dy goes to its window's first maximum (accumulated in float32). */
export function wasmMaxPool2dBackward(engine: WasmGemm): Kernel<PrimitiveAttrs['maxPool2dBackward']> {
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
    if (!vs) return maxPool2dBackward(ctx);
    const { inputs: [dy, x], attrs, out } = ctx;
    const [N, C, H, W] = x.shape;
    engine.reset();
    const dyPtr = engine.copyIn(vs[0]);
    const xPtr = engine.copyIn(vs[1]);
    const win = windows(engine, x.shape, dy.shape, attrs);
    const dx = zeros(engine, out.size, true);
    engine.fns.maxPoolBackward(N * C, H, W, dy.shape[2], dy.shape[3], win, xPtr, dyPtr, dx);
    return wrap(copyOut(engine, dx, out.size));
  };
}
