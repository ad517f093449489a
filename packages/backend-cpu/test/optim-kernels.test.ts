import { describe, expect, it } from 'vitest';
import type { AnyKernel, DType, TensorData } from '@tessera/core';
import { cpu } from '../src/index.js';
import { optimKernels, wasmOptimKernels } from '../src/kernels/optim.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { seq } from './helpers.js';

const impl = cpu({ wasm: false, name: 'cpu-optim' }).createSync!();

function t(values: number[], dtype: DType): TensorData {
  const arr = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return { dataId: impl.write(arr, dtype, [values.length]), shape: [values.length], dtype, size: values.length };
}

function run(name: string, inputs: TensorData[], attrs: Record<string, number>, dtype: DType): number[] {
  const k = optimKernels[name] as AnyKernel;
  const n = inputs[0].size;
  const id = k({ backend: impl, inputs, attrs, out: { shape: [n], dtype, size: n } } as never);
  return Array.from(impl.readSync!(id as never, dtype, n));
}

describe('fused optimizer kernels', () => {
  const n = 37;
  const [a, b, c] = [seq(n, 1), seq(n, 2), seq(n, 3).map((x) => x * x + 0.01)];
  // Hand-written formulas (PyTorch's Adam/SGD update rules), in doubles.
  const cases: [string, number[][], Record<string, number>, (i: number) => number][] = [
    ['optim.ema', [a, b], { decay: 0.9, scale: 0.1 }, (i) => 0.9 * a[i] + 0.1 * b[i]],
    ['optim.emaSquare', [c, b], { decay: 0.999, scale: 0.001 }, (i) => 0.999 * c[i] + 0.001 * b[i] ** 2],
    ['optim.sgdStep', [a, b], { lr: 0.05 }, (i) => a[i] - 0.05 * b[i]],
    ['optim.adamStep', [a, b, c], { lr: 1e-3, eps: 1e-8, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3 }, (i) =>
      a[i] - (1e-3 * (b[i] / (1 - 0.9 ** 3))) / (Math.sqrt(c[i] / (1 - 0.999 ** 3)) + 1e-8)],
  ];
  for (const [name, ins, attrs, want] of cases) {
    it(`${name} matches its formula in float64 and float32`, () => {
      const got64 = run(name, ins.map((v) => t(v, 'float64')), attrs, 'float64');
      got64.forEach((g, i) => expect(g).toBeCloseTo(want(i), 14));
      const ins32 = ins.map((v) => Array.from(Float32Array.from(v)));
      const got32 = run(name, ins32.map((v) => t(v, 'float32')), attrs, 'float32');
      got32.forEach((g, i) => expect(Math.abs(g - want(i))).toBeLessThan(2e-6 * (1 + Math.abs(want(i)))));
    });
  }

  it('are in both CPU kernel tables', () => {
    for (const wasm of [false, true]) {
      const k = cpu({ wasm, name: `cpu-optim-${wasm}` }).createSync!().kernels;
      for (const name of Object.keys(optimKernels)) expect(typeof k[name], name).toBe('function');
    }
  });

  const engine = createWasmEngine({ threads: 1 });
  it.runIf(engine)('float32 in wasm is bit-identical to the composite (one float32 rounding per op), tails included', () => {
    const f = Math.fround;
    const wk = wasmOptimKernels(engine!);
    const m = 4 * 9 + 3; // SIMD body and scalar tail
    const [p, g, v] = [seq(m, 7).map(f), seq(m, 8).map(f), seq(m, 9).map((x) => f(x * x + 0.01))];
    const at = { lr: 1e-3, eps: 1e-8, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3, decay: 0.9, scale: 0.1 };
    const A = Object.fromEntries(Object.entries(at).map(([k, x]) => [k, f(x)]));
    const want: Record<string, (i: number) => number> = {
      'optim.ema': (i) => f(f(p[i] * A.decay) + f(g[i] * A.scale)),
      'optim.emaSquare': (i) => f(f(v[i] * A.decay) + f(f(g[i] * g[i]) * A.scale)),
      'optim.sgdStep': (i) => f(p[i] - f(g[i] * A.lr)),
      'optim.adamStep': (i) => f(p[i] - f(f(f(g[i] / A.bc1) / f(f(Math.sqrt(f(v[i] / A.bc2))) + A.eps)) * A.lr)),
    };
    const inputs: Record<string, number[][]> = {
      'optim.ema': [p, g], 'optim.emaSquare': [v, g], 'optim.sgdStep': [p, g], 'optim.adamStep': [p, g, v],
    };
    for (const name of Object.keys(want)) {
      const k = wk[name];
      const id = k({ backend: impl, inputs: inputs[name].map((x) => t(x, 'float32')), attrs: at, out: { shape: [m], dtype: 'float32', size: m } } as never);
      const got = Array.from(impl.readSync!(id as never, 'float32', m));
      got.forEach((x, i) => expect(x, `${name}[${i}]`).toBe(want[name](i)));
    }
  });
});
