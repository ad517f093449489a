import { broadcastStrides, type Kernel, type NoAttrs, type PrimitiveAttrs } from '@tessera/core';
import type { WasmGemm } from '../wasm/engine.js';
import type { RowMode, WasmBinaryName, WasmUnaryName } from '../wasm/elementwise-module.js';
import { binaryKernel } from './binary.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { forEachRow } from './iter.js';
import { wrap } from './storage.js';
import { unaryKernel } from './unary.js';

/** The row mode for inner strides of a and b, or null when wasm has no row for it. */
function rowMode(sa: number, sb: number): RowMode | null {
  if (sa === 1 && sb === 1) return 'vv';
  if (sa === 1 && sb === 0) return 'vs';
  if (sa === 0 && sb === 1) return 'sv';
  return null;
}

/**
 * A float32 binary op in wasm SIMD: both operands copied into wasm memory once, the
 * output walked in (coalesced) rows, each row one call of the op's generated row function
 * (operand contiguous or one broadcast float). Other dtypes and broadcasts whose rows
 * are neither go to the TypeScript kernel, which gives the same float32 results.
 */
export function wasmBinary(engine: WasmGemm, name: WasmBinaryName): Kernel<NoAttrs> {
  const ts = binaryKernel(name);
  const rows = { vv: engine.fns[`${name}_vv`], vs: engine.fns[`${name}_vs`], sv: engine.fns[`${name}_sv`] };
  return (ctx) => {
    const {
      inputs: [a, b],
      out,
    } = ctx;
    const vs = f32Inputs(ctx.inputs, out.dtype, out.size);
    if (!vs) return ts(ctx);
    const shape = out.shape;
    const strides = [broadcastStrides(shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)];
    engine.reset();
    const aPtr = engine.copyIn(vs[0]);
    const bPtr = engine.copyIn(vs[1]);
    const o = engine.allocOut(out.size);
    let ok = true;
    forEachRow(shape, strides, [0, 0, 0], (offs, len, inner) => {
      const mode = ok ? rowMode(inner[1], inner[2]) : null;
      if (!mode) {
        ok = false;
        return;
      }
      rows[mode](aPtr + 4 * offs[1], bPtr + 4 * offs[2], o + 4 * offs[0], len);
    });
    return ok ? wrap(copyOut(engine, o, out.size)) : ts(ctx);
  };
}

/** A float32 unary op in wasm SIMD (one copy in, one generated row, one copy out). */
export function wasmUnary<N extends WasmUnaryName>(engine: WasmGemm, name: N): Kernel<PrimitiveAttrs[N]> {
  const ts = unaryKernel(name);
  const row = engine.fns[name];
  return (ctx) => {
    const vs = f32Inputs(ctx.inputs, ctx.out.dtype, ctx.out.size);
    if (!vs) return ts(ctx);
    engine.reset();
    const x = engine.copyIn(vs[0]);
    const o = engine.allocOut(ctx.out.size);
    row(x, o, ctx.out.size);
    return wrap(copyOut(engine, o, ctx.out.size));
  };
}
