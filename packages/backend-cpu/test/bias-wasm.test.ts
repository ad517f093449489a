import { afterAll, describe, expect, it } from 'vitest';
import { biasActivationDef, sizeOf, type AnyKernel, type FusedActivation, type TensorData, type TypedArray } from '@tessera/core';
import { cpuKernels, kernelTable } from '../src/kernels/index.js';
import { CpuMemory } from '../src/kernels/storage.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { threadSupport } from '../src/wasm/spawn.js';
import { seq, tensor } from './helpers.js';

// The wasm bias passes (biasAdd / biasRelu over [outer, C, inner], biasSums for the bias
// gradient) against core's expression of biasActivation (evaluated by the TypeScript
// expression kernel) and the float64 sums, at edge shapes
// (tails of 1–3 floats, inner 4 exactly, one image, one channel, more channels than
// parts), on one thread and on three (parallelMinFlops 0 splits even tiny calls, so the
// channel split runs on the workers).
const single = createWasmEngine({ threads: 1 });
const threaded = threadSupport().kind === 'node' ? createWasmEngine({ threads: 3, parallelMinFlops: 0 }) : null;
afterAll(() => threaded?.dispose());

type Table = Readonly<Record<string, AnyKernel>>;

function call(table: Table, name: string, inputs: readonly TensorData[], attrs: unknown, shape: readonly number[]): TypedArray {
  const size = sizeOf(shape);
  const kernel = table[name] as (ctx: unknown) => unknown;
  const data = kernel({ backend: null, inputs, attrs, out: { shape, dtype: 'float32', size } });
  return (data as unknown as { values: TypedArray }).values.slice(0, size);
}

/** Values with NaN, ±0, ±∞ and values on both sides of −bias mixed in; every fifth a −0 (−0 + −0 stays −0 through relu). */
function awkward(n: number, seed: number): number[] {
  const special = [NaN, 0, -0, Infinity, -Infinity, -0.5, 0.5];
  return seq(n, seed).map((v, i) => (i % 7 === 3 ? special[(i + seed) % special.length] : i % 5 === 4 ? -0 : Math.fround(v * 3)));
}

const sameBits = (a: TypedArray, b: TypedArray) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

const CASES: [shape: number[], axis: number][] = [
  [[2, 3, 5, 7], 1], // inner 35: SIMD groups and a 3-float tail
  [[1, 5, 4, 1], 1], // inner 4: no tail, batch 1
  [[3, 1, 9], 1], // one channel, inner 9
  [[2, 19, 2, 3], 1], // more channels than parts, inner 6
  [[4, 3, 5], 0], // axis 0: outer 1
  [[2, 6, 1], 1], // inner 1: the expression kernel (bias as a row)
  [[3, 7], 1], // [N, F]: inner 1
];

describe.runIf(single)('wasm bias passes', () => {
  for (const [label, engine] of [['1 thread', single], ['3 threads', threaded]] as const) {
    const wasm: Table | null = engine ? kernelTable(engine, new CpuMemory()) : null;
    for (const [shape, axis] of CASES) {
      const size = sizeOf(shape);
      const c = shape[axis];
      const x = tensor(awkward(size, 3), shape, 'float32');
      const b = tensor(awkward(c, 5).map((v, i) => [-0.5, -0][i] ?? v), [c], 'float32');
      for (const activation of ['linear', 'relu', 'sigmoid'] as FusedActivation[])
        it.runIf(wasm)(`biasActivation ${activation} [${shape}] axis ${axis} is bit-identical to core's expression (${label})`, () => {
          const attrs = { axis, activation };
          const got = call(wasm!, 'biasActivation', [x, b], attrs, shape);
          const { expr, scalars, shapes } = biasActivationDef.elementwise!(attrs, [x, b]);
          const want = call(cpuKernels, 'elementwise', [x, { ...b, shape: shapes![1]! }], { expr, scalars }, shape);
          expect(sameBits(got, want)).toBe(true);
        });
      it.runIf(wasm)(`biasActivationGrad [${shape}] matches the TypeScript kernel (relu bit for bit) (${label})`, () => {
        const dyv = awkward(size, 7);
        const dy = tensor(dyv, shape, 'float32');
        for (const activation of ['linear', 'relu', 'sigmoid', 'tanh'] as FusedActivation[]) {
          const attrs = { axis, activation };
          const y = tensor(awkward(size, 8).map((v) => (activation === 'relu' || activation === 'linear' ? v : Math.tanh(v))), shape, 'float32');
          const got = call(wasm!, 'biasActivationGrad', [dy, y], attrs, shape);
          const want = call(cpuKernels, 'biasActivationGrad', [dy, y], attrs, shape);
          if (activation === 'relu' || activation === 'linear') expect(sameBits(got, want)).toBe(true);
          // The expression rounds after every node (1 − y² loses digits as y nears ±1); TypeScript rounds once.
          else for (let i = 0; i < size; i++) {
            const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= 4e-7 * (Math.abs(want[i]) + Math.abs(dyv[i]));
            expect(ok, `${activation} ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
          }
        }
      });
      it.runIf(wasm)(`biasAddGrad [${shape}] axis ${axis} matches the float64 sums to float32 rounding (${label})`, () => {
        const values = seq(size, 9).map((v) => Math.fround(v * 5 - 1));
        const dz = tensor(values, shape, 'float32');
        const got = call(wasm!, 'biasAddGrad', [dz], { axis }, [c]);
        const want = call(cpuKernels, 'biasAddGrad', [tensor(values, shape, 'float64')], { axis }, [c]);
        for (let j = 0; j < c; j++) expect(got[j]).toBe(Math.fround(want[j]));
      });
    }
  }

  it('biasAddGrad sums each channel in doubles (no float32 accumulation error)', () => {
    const wasm = kernelTable(single!, new CpuMemory());
    // 1 + 2⁻²⁴·k per value: float32 accumulation would drop every small term after the first.
    const [n, c, inner] = [3, 2, 4097];
    const values = Array.from({ length: n * c * inner }, (_, i) => (i % 2 ? 2 ** -24 : 1));
    const got = call(wasm, 'biasAddGrad', [tensor(values, [n, c, inner], 'float32')], { axis: 1 }, [c]);
    const exact = (ch: number) => {
      let s = 0;
      for (let i = ch * inner; i < values.length; i += c * inner) for (let k = 0; k < inner; k++) s += values[i + k];
      return s;
    };
    for (let ch = 0; ch < c; ch++) expect(got[ch]).toBe(Math.fround(exact(ch)));
  });
});

describe('TypeScript float32 biasActivation relu', () => {
  for (const [shape, axis] of CASES)
    it(`[${shape}] axis ${axis} is bit-identical to core's expression (NaN, −0 kept)`, () => {
      const size = sizeOf(shape);
      const x = tensor(awkward(size, 3), shape, 'float32');
      const b = tensor(awkward(shape[axis], 5).map((v, i) => [-0.5, -0][i] ?? v), [shape[axis]], 'float32');
      const attrs = { axis, activation: 'relu' as const };
      const { expr, scalars, shapes } = biasActivationDef.elementwise!(attrs, [x, b]);
      const want = call(cpuKernels, 'elementwise', [x, { ...b, shape: shapes![1]! }], { expr, scalars }, shape);
      expect(sameBits(call(cpuKernels, 'biasActivation', [x, b], attrs, shape), want)).toBe(true);
    });
});
