import type { AttentionAttrs, Kernel } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { attend, BLOCK_K, BLOCK_Q, layoutOf, tsAttention, type BlockMath } from './attention.js';
import {
  attendBackward,
  attentionBackward,
  backwardInputs,
  BWD_TILE,
  backwardLayout,
  type AttentionBuffer,
  type BackwardMath,
  type BlockOperand,
} from './attention-backward.js';
import { copyOut, f32Inputs, zeros } from './f32-args.js';
import { expExports } from '../wasm/exp-module.js';
import { valuesOf, wrap } from './storage.js';

/**
 * Fused float32 attention with its two block products on the WebAssembly SIMD GEMM: q, k
 * and v are copied into wasm memory once, the score tile and the output live there, and
 * each key block costs two small GEMMs (Q·Kᵀ with kᵀ as strides, then P·V accumulated into
 * the output) around the online softmax of attention.ts, its exp on the wasm SIMD exp
 * (exp-module.ts). Other dtypes, and
 * operands too large for the wasm arena, run the TypeScript kernel. With `withLse`, the
 * kernel of 'scaledDotProductAttentionLse' (rows Ev + 1 wide, the logsumexp last).
 */
export function wasmAttention(engine: WasmEngine, withLse = false): Kernel<AttentionAttrs> {
  const fallback = tsAttention(withLse);
  return (ctx) => {
    const { inputs, attrs, out } = ctx;
    const f32 = f32Inputs(inputs.slice(0, 3), out.dtype, out.size);
    if (!f32) return fallback(ctx);
    const lay = layoutOf(inputs);
    const { e, ev } = lay;
    const ld = ev + (withLse ? 1 : 0);
    engine.reset();
    const [qPtr, kPtr, vPtr] = f32.map((a) => engine.copyIn(a));
    const outPtr = engine.allocOut(Math.max(1, out.size));
    const tilePtr = engine.alloc(BLOCK_Q * BLOCK_K);
    // Views after the last allocation (growing an unshared memory detaches older ones).
    const mem = engine.f32;
    const { expRow } = expExports(engine);
    const math: BlockMath = {
      tile: mem.subarray(tilePtr >>> 2, (tilePtr >>> 2) + BLOCK_Q * BLOCK_K),
      out: mem.subarray(outPtr >>> 2, (outPtr >>> 2) + out.size),
      ld,
      exp: (at, n, shift) => expRow(tilePtr + 4 * at, n, shift),
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
          ld,
          true,
        );
      },
    };
    attend(math, lay, attrs, inputs[3] ? valuesOf(inputs[3]) : null);
    return wrap(copyOut(engine, outPtr, out.size));
  };
}

/**
 * The fused attention backward (attention-backward.ts) with its five block products on the
 * wasm SIMD GEMM: q, k, v and dy are copied into wasm memory once, the P and dS tiles and the
 * packed gradients live there. Other dtypes and operands too large for the arena run the
 * TypeScript kernel.
 */
export function wasmAttentionBackward(engine: WasmEngine): Kernel<AttentionAttrs> {
  return (ctx) => {
    const { inputs, attrs, out } = ctx;
    const x = backwardInputs(inputs, attrs);
    const f32 = f32Inputs([x.q, x.k, x.v, x.dy], out.dtype, out.size + 2 * BWD_TILE);
    if (!f32) return attentionBackward(ctx);
    const lay = backwardLayout(inputs, attrs);
    engine.reset();
    const [q, k, v, dy] = f32.map((a) => engine.copyIn(a));
    const grad = zeros(engine, Math.max(1, out.size), true);
    const p = engine.alloc(BWD_TILE);
    const ds = engine.alloc(BWD_TILE);
    const ptrs: Record<AttentionBuffer, number> = { q, k, v, dy, grad, p, ds };
    const mem = engine.f32; // after the last allocation (growing an unshared memory detaches older views)
    const tile = (ptr: number) => mem.subarray(ptr >>> 2, (ptr >>> 2) + BWD_TILE);
    const wasm = (o: BlockOperand) => ({ ptr: ptrs[o.buf] + 4 * o.at, rs: o.rs, cs: o.cs });
    const { expRow } = expExports(engine);
    const math: BackwardMath = {
      p: tile(p),
      ds: tile(ds),
      exp: (at, n, shift) => expRow(p + 4 * at, n, shift),
      gemm(m, n, kk, a, b, c, accumulate) {
        engine.gemm(m, n, kk, wasm(a), wasm(b), ptrs[c.buf] + 4 * c.at, c.rs, accumulate);
      },
    };
    attendBackward(math, lay, attrs, x.mask ? valuesOf(x.mask) : null, valuesOf(x.out), f32[3]);
    return wrap(copyOut(engine, grad, out.size));
  };
}
