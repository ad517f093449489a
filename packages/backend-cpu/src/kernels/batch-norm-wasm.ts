import type { TypedArray } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { BN_APPLY_PARAMS, BN_SUMS_PARAMS } from '../wasm/batch-norm-module.js';
import type { CallableName, PartArgs } from '../wasm/parts.js';
import { layout, tsPasses, type BatchNormPasses } from './batch-norm.js';
import { ARENA_LIMIT_FLOATS, copyOut } from './f32-args.js';

/** Most parts a batch-norm pass is split into (channels are independent: any split gives the same result). */
const PARTS = 8;

/**
 * The arrays as float32, or null if any is not float32 or together (with an output of the
 * first one's size) they would outgrow the wasm arena (its memory never shrinks: huge
 * calls stay in TypeScript, as the other wasm kernels do).
 */
const allF32 = (...arrays: TypedArray[]): Float32Array[] | null =>
  arrays.every((a) => a instanceof Float32Array) && arrays.reduce((n, a) => n + a.length, arrays[0].length) <= ARENA_LIMIT_FLOATS
    ? (arrays as Float32Array[])
    : null;

/**
 * Runs `fn` (parameters `params`) over disjoint channel ranges of a [N, C, …] layout as CALL
 * parts (threads when the work pays): each part's arguments are `args(c0, c1)`.
 */
function overChannels<F extends readonly string[]>(
  engine: WasmEngine,
  fn: CallableName,
  params: F,
  shape: readonly number[],
  args: (c0: number, c1: number) => PartArgs<F>,
): void {
  const { c, m } = layout(shape);
  const parts = Math.max(1, Math.min(PARTS, c));
  const list = Array.from({ length: parts }, (_, i) => args(Math.floor((i * c) / parts), Math.floor(((i + 1) * c) / parts)));
  engine.runCalls(fn, params, list, 4 * m * c, `${fn} [${shape.join(',')}]`);
}

/**
 * Batch norm's passes on the wasm engine for float32 (SIMD, sums and the input-gradient
 * arithmetic in doubles as in TypeScript, channels split across the worker threads); other
 * dtypes, and the forward's gain-free apply (float32 runs the expression kernel instead),
 * take the TypeScript passes.
 */
export function wasmBatchNormPasses(engine: WasmEngine): BatchNormPasses {
  return {
    sums(p, q, shape, sp, sq) {
      const f = allF32(p, q);
      if (!f) return tsPasses.sums(p, q, shape, sp, sq);
      const { n, c, inner } = layout(shape);
      engine.reset();
      const pp = engine.copyIn(f[0]);
      const qp = f[1] === f[0] ? pp : engine.copyIn(f[1]);
      const spp = engine.copyIn(Float32Array.from(sp));
      const sqp = sq === sp ? spp : engine.copyIn(Float32Array.from(sq));
      const out = engine.alloc(4 * c); // 2·C doubles
      overChannels(engine, 'bnSums', BN_SUMS_PARAMS, shape, (c0, c1) => ({ p: pp, q: qp, C: c, inner, n, c0, c1, sp: spp, sq: sqp, out }));
      return Float64Array.from(new Float64Array(engine.f32.buffer, out, 2 * c));
    },
    apply(dtype, x, g, shape, coef) {
      const f = dtype === 'float32' && g && allF32(x, g);
      if (!f) return tsPasses.apply(dtype, x, g, shape, coef);
      const { n, c, inner } = layout(shape);
      engine.reset();
      const xp = engine.copyIn(f[0]);
      const gp = engine.copyIn(f[1]);
      const cp = engine.alloc(8 * c);
      new Float64Array(engine.f32.buffer, cp, 4 * c).set(coef);
      const yp = engine.allocOut(x.length);
      overChannels(engine, 'bnApply', BN_APPLY_PARAMS, shape, (c0, c1) => ({ x: xp, g: gp, y: yp, C: c, inner, n, c0, c1, coef: cp }));
      return copyOut(engine, yp, x.length);
    },
  };
}
