import { biasActivationGradDef, type BiasActivationAttrs, type BiasAddGradAttrs, type ElementwiseAttrs, type Kernel } from '@tessera/core';
import { BIAS_ACT_PARAMS, BIAS_SUMS_PARAMS, COLUMN_SUMS_PARAMS } from '../wasm/bias-module.js';
import type { WasmEngine } from '../wasm/engine.js';
import { around, biasActivationKernels, biasAddGrad, wasmBiasActivation } from './bias-activation.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { alloc, wrap } from './storage.js';

/** Most parts a bias pass is split into (planes and channels are independent: any split gives the same result). */
const PARTS = 8;

/**
 * Planes shorter than this stay on the other paths: the wasm passes handle a plane four
 * floats at a time, so a bias along the last axis (inner = 1) would run one scalar per
 * plane, where the expression kernel reads the bias as a vector row.
 */
const MIN_INNER = 4;

/**
 * `biasActivation` for float32 on the wasm engine: linear and relu over planes of at
 * least `MIN_INNER` floats run the module's `biasAdd` / `biasRelu` (the plane loop in
 * wasm, ranges of planes across the worker threads; bit-identical to the expression kernel,
 * which makes one call per plane), everything else the expression kernel (`wasmBiasActivation`).
 */
export function wasmBiasActivationKernel(engine: WasmEngine, elementwise: Kernel<ElementwiseAttrs>): Kernel<BiasActivationAttrs> {
  const viaExpression = wasmBiasActivation(elementwise);
  return (ctx) => {
    const { inputs: [x], attrs: { axis, activation }, out } = ctx;
    const dims = around(x.shape, axis);
    const fused = (activation === 'relu' || activation === 'linear') && dims.inner >= MIN_INNER;
    const vs = fused ? f32Inputs(ctx.inputs, out.dtype, out.size) : null;
    if (!vs) return viaExpression(ctx);
    engine.reset();
    const xp = engine.copyIn(vs[0]);
    const bp = engine.copyIn(vs[1]);
    const yp = engine.allocOut(out.size);
    const { outer, c, inner } = dims;
    const planes = outer * c;
    const parts = Math.max(1, Math.min(PARTS, planes));
    const list = Array.from({ length: parts }, (_, i) => ({
      x: xp, b: bp, y: yp, C: c, inner,
      p0: Math.floor((i * planes) / parts),
      p1: Math.floor(((i + 1) * planes) / parts),
    }));
    const fn = activation === 'relu' ? 'biasRelu' : 'biasAdd';
    engine.runCalls(fn, BIAS_ACT_PARAMS, list, 4 * out.size, `${fn} [${outer},${c},${inner}]`);
    return wrap(copyOut(engine, yp, out.size));
  };
}

/**
 * `biasAddGrad` for float32 on the wasm engine: dz [outer, C, inner] summed in place by the
 * module's `biasSums`, plane by plane (f32x4 loads, sums in doubles, plane ranges across the
 * worker threads), then each channel's planes in batch order, or for a bias along the last axis (inner = 1) by `columnSums` (row by
 * row, on this thread); inner 2 or 3 and other dtypes take the TypeScript kernel.
 */
export function wasmBiasAddGrad(engine: WasmEngine): Kernel<BiasAddGradAttrs> {
  return (ctx) => {
    const { inputs: [dz], attrs: { axis }, out } = ctx;
    const { outer, c, inner } = around(dz.shape, axis);
    const vs = inner >= MIN_INNER || inner === 1 ? f32Inputs(ctx.inputs, out.dtype, 2 * out.size) : null;
    if (!vs) return biasAddGrad(ctx);
    engine.reset();
    const zp = engine.copyIn(vs[0]);
    const sums = engine.alloc(2 * c); // C doubles
    if (inner === 1) {
      new Float64Array(engine.f32.buffer, sums, c).fill(0);
      engine.runCalls('columnSums', COLUMN_SUMS_PARAMS, [{ z: zp, rows: outer, C: c, out: sums }], 0, 'columnSums');
    } else {
      // Each plane's sum (the channel walk over "channels" = planes: C = 1, n = 1), planes
      // in memory order and plane ranges across the threads; then each channel's planes
      // added in batch order. A channel-by-channel walk jumps C planes at a time.
      const planes = outer * c;
      const parts = Math.max(1, Math.min(PARTS, planes));
      const perPlane = engine.alloc(2 * planes); // doubles
      const list = Array.from({ length: parts }, (_, i) => ({
        z: zp, C: 1, inner, n: 1,
        c0: Math.floor((i * planes) / parts),
        c1: Math.floor(((i + 1) * planes) / parts),
        out: perPlane,
      }));
      engine.runCalls('biasSums', BIAS_SUMS_PARAMS, list, 4 * dz.size, `biasSums [${outer},${c},${inner}]`);
      const ps = new Float64Array(engine.f32.buffer, perPlane, planes);
      const acc = new Float64Array(engine.f32.buffer, sums, c).fill(0);
      for (let o = 0, k = 0; o < outer; o++) for (let j = 0; j < c; j++, k++) acc[j] += ps[k];
    }
    const result = alloc('float32', c);
    result.set(new Float64Array(engine.f32.buffer, sums, c));
    return wrap(result);
  };
}

/**
 * `biasActivationGrad` on the wasm engine: for float32, core's expression of dy·act′(y) through the
 * expression kernel (f32x4 for float32; relu gives the TypeScript kernel's bits, the other
 * activations round after every node), where the TypeScript loop read the engine's shared
 * memory element by element; float64 keeps the TypeScript kernel.
 */
export function wasmBiasActivationGrad(elementwise: Kernel<ElementwiseAttrs>): Kernel<BiasActivationAttrs> {
  const typescript = biasActivationKernels.biasActivationGrad as Kernel<BiasActivationAttrs>;
  return (ctx) => {
    if (ctx.out.dtype !== 'float32') return typescript(ctx);
    const { expr, scalars } = biasActivationGradDef.elementwise!(ctx.attrs, ctx.inputs);
    return elementwise({ ...ctx, attrs: { expr, scalars } });
  };
}
