import type { AttentionAttrs, Kernel } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { attend, attention as tsAttention, BLOCK_K, BLOCK_Q, layoutOf, type BlockMath } from './attention.js';
import { copyOut, f32Inputs } from './f32-args.js';
import { valuesOf, wrap } from './storage.js';

/**
 * Fused float32 attention with its two block products on the WebAssembly SIMD GEMM: q, k
 * and v are copied into wasm memory once, the score tile and the output live there, and
 * each key block costs two small GEMMs (Q·Kᵀ with kᵀ as strides, then P·V accumulated into
 * the output) around the TypeScript online softmax of attention.ts. Other dtypes, and
 * operands too large for the wasm arena, run the TypeScript kernel.
 */
export function wasmAttention(engine: WasmEngine): Kernel<AttentionAttrs> {
  return (ctx) => {
    const { inputs, attrs, out } = ctx;
    const f32 = f32Inputs(inputs.slice(0, 3), out.dtype, out.size);
    if (!f32) return tsAttention(ctx);
    const lay = layoutOf(inputs);
    const { e, ev } = lay;
    engine.reset();
    const [qPtr, kPtr, vPtr] = f32.map((a) => engine.copyIn(a));
    const outPtr = engine.allocOut(Math.max(1, out.size));
    const tilePtr = engine.alloc(BLOCK_Q * BLOCK_K);
    // Views after the last allocation (growing an unshared memory detaches older ones).
    const mem = engine.f32;
    const math: BlockMath = {
      tile: mem.subarray(tilePtr >>> 2, (tilePtr >>> 2) + BLOCK_Q * BLOCK_K),
      out: mem.subarray(outPtr >>> 2, (outPtr >>> 2) + out.size),
      scores(qAt, kAt, rows, cols) {
        // tile (rows × cols, row stride cols) = Q (rows × E) · Kᵀ, Kᵀ[x, c] = k[kAt + c·E + x].
        engine.gemm(rows, cols, e, { ptr: qPtr + 4 * qAt, rs: e, cs: 1 }, { ptr: kPtr + 4 * kAt, rs: 1, cs: e }, tilePtr, cols, false);
      },
      accumulate(vAt, outAt, rows, cols) {
        engine.gemm(
          rows,
          ev,
          cols,
          { ptr: tilePtr, rs: cols, cs: 1 },
          { ptr: vPtr + 4 * vAt, rs: ev, cs: 1 },
          outPtr + 4 * outAt,
          ev,
          true,
        );
      },
    };
    attend(math, lay, attrs, inputs[3] ? valuesOf(inputs[3]) : null);
    return wrap(copyOut(engine, outPtr, out.size));
  };
}
