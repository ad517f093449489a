import type { AnyKernel, Kernel, TypedArray } from '@tessera/core';
import { WASM_FUSED_ROWS, type WasmFusedRowName } from '../wasm/elementwise-module.js';
import type { WasmEngine } from '../wasm/engine.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { allocUninit, valuesOf, wrap } from './storage.js';

/** One update rule: out[i] from the inputs at i and the op's numeric attributes (one loop each: monomorphic). */
type Update = (ins: readonly TypedArray[], a: Readonly<Record<string, number>>, out: TypedArray, n: number) => void;

/**
 * Fused optimizer updates for the composite ops of @tessera/optim, keyed by op name only
 * (this package does not depend on optim): one pass over the parameters instead of 2–7
 * elementwise kernels and their temporaries. The formulas are the composites' (`decompose`
 * in optim/src/fused.ts), in the same order. These TypeScript loops (in doubles, rounded
 * once) serve float64 and engines without wasm; float32 runs the wasm rows below.
 */
const UPDATES: Readonly<Record<string, Update>> = {
  'optim.ema': ([s, x], { decay, scale }, o, n) => {
    for (let i = 0; i < n; i++) o[i] = s[i] * decay + x[i] * scale;
  },
  'optim.emaSquare': ([v, x], { decay, scale }, o, n) => {
    for (let i = 0; i < n; i++) o[i] = v[i] * decay + x[i] * x[i] * scale;
  },
  'optim.sgdStep': ([p, d], { lr }, o, n) => {
    for (let i = 0; i < n; i++) o[i] = p[i] - d[i] * lr;
  },
  'optim.adamStep': ([p, m, v], { lr, eps, bc1, bc2 }, o, n) => {
    for (let i = 0; i < n; i++) o[i] = p[i] - (m[i] / bc1 / (Math.sqrt(v[i] / bc2) + eps)) * lr;
  },
};

function fused(update: Update): Kernel<Readonly<Record<string, number>>> {
  return ({ inputs, attrs, out }) => {
    const o = allocUninit(out.dtype, out.size);
    update(inputs.map(valuesOf), attrs, o, out.size);
    return wrap(o);
  };
}

/**
 * The float32 updates as fused wasm SIMD rows (`WASM_FUSED_ROWS`: one IEEE operation per
 * step of the composite, so bit-identical to it), the tensors read in place where they
 * live in the engine's memory; other dtypes run the TypeScript loop.
 */
export function wasmOptimKernels(engine: WasmEngine): Readonly<Record<string, AnyKernel>> {
  const one = (name: WasmFusedRowName): Kernel<Readonly<Record<string, number>>> => {
    const ts = fused(UPDATES[name]);
    const row = engine.fns[name];
    return (ctx) => {
      const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
      if (!vs) return ts(ctx);
      const names = WASM_FUSED_ROWS[name].attrs;
      engine.reset();
      const ptrs = vs.map((v) => engine.copyIn(v));
      const at = engine.alloc(names.length);
      engine.f32.set(names.map((a) => ctx.attrs[a]), at >>> 2);
      const out = engine.allocOut(ctx.out.size);
      row(...ptrs, ...names.map((_, i) => at + 4 * i), out, ctx.out.size);
      return wrap(copyOut(engine, out, ctx.out.size));
    };
  };
  return Object.fromEntries((Object.keys(WASM_FUSED_ROWS) as WasmFusedRowName[]).map((n) => [n, one(n) as AnyKernel]));
}

/** The fused optimizer kernels by op name (float32 and float64, as the ops allow). */
export const optimKernels: Readonly<Record<string, AnyKernel>> = Object.fromEntries(
  Object.entries(UPDATES).map(([name, u]) => [name, fused(u) as AnyKernel]),
);
