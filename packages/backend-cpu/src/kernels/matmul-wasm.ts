import type { Kernel, PrimitiveAttrs } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { matmul as tsMatmul } from './matmul.js';
import { copyOut } from './f32-args.js';
import { valuesOf, wrap } from './storage.js';

/**
 * Batched float32 matmul on the WebAssembly SIMD GEMM: both operands are copied into
 * wasm memory once, transposes become strides that the packing routine absorbs, and a
 * batch of A against one shared B (no transposeA) runs as a single tall GEMM. Other
 * dtypes go to the TypeScript kernel.
 */
export function wasmMatmul(engine: WasmEngine): Kernel<PrimitiveAttrs['matmul']> {
  return (ctx) => {
    const {
      inputs: [a, b],
      attrs: { transposeA, transposeB },
      out,
    } = ctx;
    const av = valuesOf(a);
    const bv = valuesOf(b);
    if (out.dtype !== 'float32' || !(av instanceof Float32Array) || !(bv instanceof Float32Array)) return tsMatmul(ctx);
    const [Ba, a1, a2] = a.shape;
    const [Bb, b1, b2] = b.shape;
    const M = transposeA ? a2 : a1;
    const K = transposeA ? a1 : a2;
    const N = transposeB ? b1 : b2;
    const batch = Math.max(Ba, Bb);
    engine.reset();
    const aPtr = engine.copyIn(av);
    const bPtr = engine.copyIn(bv);
    const cPtr = engine.allocOut(batch * M * N);
    const bAt = (t: number) => ({ ptr: bPtr + 4 * (Bb > 1 ? t : 0) * K * N, rs: transposeB ? 1 : N, cs: transposeB ? K : 1 });
    if (Bb === 1 && !transposeA) {
      // [Ba·M, K] · [K, N] is exactly the batched result, row-major.
      engine.gemm(Ba * M, N, K, { ptr: aPtr, rs: K, cs: 1 }, bAt(0), cPtr, N, false);
    } else {
      for (let t = 0; t < batch; t++) {
        const A = { ptr: aPtr + 4 * (Ba > 1 ? t : 0) * M * K, rs: transposeA ? 1 : K, cs: transposeA ? M : 1 };
        engine.gemm(M, N, K, A, bAt(t), cPtr + 4 * t * M * N, N, false);
      }
    }
    return wrap(copyOut(engine, cPtr, batch * M * N));
  };
}
