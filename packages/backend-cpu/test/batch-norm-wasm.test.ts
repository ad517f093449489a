import { afterAll, describe, expect, it } from 'vitest';
import { tsPasses } from '../src/kernels/batch-norm.js';
import { wasmBatchNormPasses } from '../src/kernels/batch-norm-wasm.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { threadSupport } from '../src/wasm/spawn.js';

// Batch norm's wasm passes against the TypeScript ones: the sums agree to double rounding
// (they add in another order), the input-gradient pass is the same arithmetic in the same
// order and so bit-identical; on one thread and on three (parallelMinFlops 0 splits even
// tiny calls), where the channel split must not change anything.
const single = createWasmEngine({ threads: 1 });
const threaded = threadSupport().kind === 'node' ? createWasmEngine({ threads: 3, parallelMinFlops: 0 }) : null;
afterAll(() => threaded?.dispose());

/** Values with a large common offset per channel (what the shifted sums are for), a few ±0, and a spread. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = i % 17 === 5 ? -0 : 1000 + ((s >>> 8) / 2 ** 24 - 0.5) * 3;
  }
  return out;
}

const shapes: number[][] = [
  [2, 3, 5, 7], // inner 35: SIMD groups and a 3-float tail
  [4, 16, 8, 8], // inner 64: no tail
  [6, 5], // BatchNorm1d: inner 1, every value a tail
  [1, 9, 3], // inner 3, one image
];

describe.runIf(single)('wasm batch-norm passes', () => {
  const engines = [['1 thread', single], ['3 threads', threaded]] as const;
  for (const [label, engine] of engines)
    for (const shape of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      const c = shape[1];
      const inner = size / (shape[0] * c);
      it.runIf(engine)(`sums of [${shape}] match TypeScript to double rounding (${label})`, () => {
        const passes = wasmBatchNormPasses(engine!);
        const x = values(size, 1);
        const dy = values(size, 2);
        const shift = Float64Array.from({ length: c }, (_, ch) => x[ch * inner]);
        const mean = Float64Array.from({ length: c }, (_, ch) => Math.fround(1000 + ch / 7));
        for (const [p, q, sp, sq] of [[x, x, shift, shift], [dy, x, new Float64Array(c), mean]] as const) {
          const want = tsPasses.sums(p, q, shape, sp, sq);
          const got = passes.sums(p, q, shape, sp, sq);
          for (let i = 0; i < 2 * c; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
        }
      });
      it.runIf(engine)(`the input-gradient pass over [${shape}] is bit-identical to TypeScript (${label})`, () => {
        const passes = wasmBatchNormPasses(engine!);
        const x = values(size, 3);
        const g = values(size, 4);
        g[0] = Number.NaN;
        g[1] = Number.POSITIVE_INFINITY;
        const coef = Float64Array.from({ length: 4 * c }, (_, i) => [1000.25, 0.731, -2.5, 1.125][i % 4] * (1 + Math.floor(i / 4) / 10));
        const want = tsPasses.apply('float32', x, g, shape, coef);
        const got = passes.apply('float32', x, g, shape, coef);
        expect(got).toBeInstanceOf(Float32Array);
        expect(Array.from(got)).toEqual(Array.from(want));
      });
    }

  it('float64 and the gain-free apply run the TypeScript passes', () => {
    const passes = wasmBatchNormPasses(single!);
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const coef = Float64Array.from([1, 2, 3, 0, 0, 1, 0, 0]);
    expect(Array.from(passes.apply('float64', x, null, [3, 2], coef))).toEqual(Array.from(tsPasses.apply('float64', x, null, [3, 2], coef)));
    const sums = passes.sums(x, x, [3, 2], new Float64Array(2), new Float64Array(2));
    expect(Array.from(sums)).toEqual([9, 35, 12, 56]);
  });
});
