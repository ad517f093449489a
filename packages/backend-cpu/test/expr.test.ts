import { describe, expect, it, vi } from 'vitest';
import { allocArray, evalExpr, ex, lowerExpr, sizeOf, type DType, type Expr, type TensorData, type TypedArray } from '@tessera/core';
import { cpu } from '../src/index.js';
import { elementwiseKernel } from '../src/kernels/expr.js';
import { createWasmEngine } from '../src/wasm/engine.js';
import { seq } from './helpers.js';

// The expression kernel's wasm path against core's reference interpreter: float32 results
// must be bit-identical (NaN for NaN), on awkward values, in every row layout.
const engine = createWasmEngine({ threads: 1 });
const host = cpu({ wasm: false, name: 'cpu-expr-host' }).createSync!();
const kernel = engine ? elementwiseKernel(engine) : null;

/** Values with NaN, ±0, ±∞, denormals, ties and huge/tiny magnitudes mixed in. */
function awkward(n: number, seed: number): number[] {
  const special = [NaN, 0, -0, Infinity, -Infinity, 1e-45, -1e-45, 1.1754942e-38, 0.5, -0.5, 1.5, 2.5, -2.5, 3e38, -3e38, 88.8, -104, 1e-8, 20, -20];
  return seq(n, seed).map((v, i) => (i % 3 === 0 ? special[(i / 3) % special.length] : v * (i % 7 === 1 ? 100 : 4)));
}

function input(values: number[], shape: readonly number[], dtype: DType): TensorData {
  const arr = allocArray(dtype, sizeOf(shape));
  values.forEach((v, i) => (arr[i] = dtype === 'bool' ? (v > 0 ? 1 : 0) : v));
  return { dataId: host.write(arr, dtype, shape), shape, dtype, size: arr.length };
}

const valuesOf = (t: TensorData): TypedArray => host.readSync!(t.dataId, t.dtype, t.size);

function check(expr: Expr, inputs: readonly TensorData[], outShape: readonly number[], scalars: readonly number[] = []): void {
  const lowered = lowerExpr(expr, inputs.map((t) => t.dtype));
  const want = evalExpr(lowered, inputs.map((t) => ({ values: valuesOf(t), shape: t.shape })), outShape, scalars);
  const size = sizeOf(outShape);
  // The wasm path resets the engine; TypeScript (other dtypes) does not touch it.
  const reset = vi.spyOn(engine!, 'reset');
  const id = kernel!({ backend: host, inputs, attrs: { expr, scalars }, out: { shape: outShape, dtype: lowered.dtype, size } });
  const wasm = [...inputs.map((t) => t.dtype), lowered.dtype].every((d) => d === 'float32' || d === 'bool');
  expect(reset.mock.calls.length, 'ran in wasm').toBe(wasm ? 1 : 0);
  reset.mockRestore();
  const got = host.readSync!(id, lowered.dtype, size);
  const bad = Array.from(want).findIndex((w, i) => !Object.is(w, got[i]));
  expect(bad, bad < 0 ? '' : `element ${bad}: got ${got[bad]}, want ${want[bad]}`).toBe(-1);
}

const X = ex.input(0);
const Y = ex.input(1);
const C = ex.input(2);
const EXPRS: Record<string, Expr> = {
  arithmetic: ex.div(ex.sub(ex.mul(X, Y), ex.add(X, 1.5)), ex.sqrt(ex.abs(Y))),
  minmax: ex.add(ex.max(X, Y), ex.min(X, ex.neg(Y))),
  rounding: ex.add(ex.add(ex.floor(X), ex.ceil(Y)), ex.add(ex.round(X), ex.sign(Y))),
  relu: ex.select(ex.lt(X, 0), 0, X),
  compareSelect: ex.select(ex.and(ex.ge(X, Y), ex.not(ex.eq(X, 0))), ex.mul(X, Y), ex.select(ex.ne(X, Y), Y, -1)),
  logic: ex.cast(ex.xor(ex.or(ex.le(X, Y), ex.gt(X, 1)), ex.lt(Y, 0)), 'float32'),
  sigmoid: ex.div(1, ex.add(1, ex.exp(ex.neg(X)))),
  transcendental: ex.add(ex.mul(ex.tanh(X), ex.log1p(ex.abs(Y))), ex.sub(ex.expm1(ex.min(X, 5)), ex.erf(Y))),
  trig: ex.add(ex.sin(X), ex.mul(ex.cos(Y), ex.log(ex.abs(X)))),
  powMod: ex.add(ex.pow(ex.abs(X), Y), ex.mod(X, Y)),
  scalars: ex.sub(X, ex.mul(ex.div(Y, ex.scalar(0)), ex.scalar(1))),
  transcendentalOnly: ex.exp(X),
  identity: X,
};

describe.runIf(engine)('expression kernel in wasm SIMD', () => {
  const layouts: [string, number[], number[], number[]][] = [
    ['same shape', [3, 37], [3, 37], [3, 37]],
    ['scalar operand', [3, 37], [], [3, 37]],
    ['row broadcast', [3, 1], [3, 37], [3, 37]],
    ['column broadcast', [1, 37], [5, 1], [5, 37]],
    ['long rows (blocked)', [2, 2500], [2, 2500], [2, 2500]],
  ];
  for (const [name, expr] of Object.entries(EXPRS))
    for (const [layout, as, bs, os] of layouts)
      it(`${name}, ${layout}: bit-identical to evalExpr`, () => {
        const a = input(awkward(sizeOf(as), 3), as, 'float32');
        const b = input(awkward(sizeOf(bs), 4), bs, 'float32');
        check(expr, [a, b], os, [0.3, -7]);
      });

  it('small outputs in short rows with JavaScript stages run as one row over expanded inputs (log-softmax gradient)', () => {
    const e = ex.sub(X, ex.mul(ex.exp(Y), C));
    const [dy, y] = [input(awkward(1280, 3), [128, 10], 'float32'), input(awkward(1280, 4), [128, 10], 'float32')];
    check(e, [dy, y, input(awkward(128, 5), [128, 1], 'float32')], [128, 10]);
    // Broadcast along the row and across rows, a rank-1 input, a bool input, a scalar.
    check(ex.select(C, ex.exp(X), Y), [input(awkward(7, 3), [7], 'float32'), input(awkward(35, 4), [5, 7], 'float32'),
      input(awkward(5, 6).map((v) => (v > 0 ? 1 : 0)), [5, 1], 'bool')], [5, 7]);
    check(ex.sub(ex.exp(X), Y), [input(awkward(6, 3), [2, 1, 3], 'float32'), input([0.5], [], 'float32')], [2, 4, 3]);
  });

  it('comparisons give bool outputs and bool inputs select (relu gradient: where(x > 0, dy, 0))', () => {
    const x = input(awkward(103, 5), [103], 'float32');
    const dy = input(awkward(103, 6), [103], 'float32');
    check(ex.gt(X, 0), [x], [103]);
    check(ex.eq(X, X), [x], [103]);
    const mask = input(awkward(103, 7), [103], 'bool');
    check(ex.select(X, Y, 0), [mask, dy], [103]);
    check(ex.select(X, Y, C), [input([1], [], 'bool'), dy, x], [103]);
    check(ex.and(X, ex.cast(Y, 'bool')), [mask, dy], [103]);
    check(ex.cast(X, 'float32'), [mask], [103]);
  });

  it('scalars change at run time without compiling again', () => {
    const spy = vi.spyOn(engine!, 'instantiate');
    const expr = ex.add(ex.mul(X, ex.scalar(0)), ex.scalar(1));
    const a = input(awkward(50, 8), [50], 'float32');
    for (const [s, t] of [[0.5, 1], [3, -2], [1e-3, 7]]) check(expr, [a], [50], [s, t]);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(1);
    spy.mockRestore();
  });

  it('int32 and float64 expressions run in TypeScript with the reference semantics (int32 wraps)', () => {
    const i = input([2147483647, -7, 7, 0], [4], 'int32');
    const j = input([1, 2, -2, 5], [4], 'int32');
    check(ex.add(X, Y), [i, j], [4]);
    check(ex.div(X, Y), [i, j], [4]);
    check(ex.cast(ex.mul(ex.cast(X, 'float32'), 0.5), 'int32'), [i], [4]);
    const d = input(awkward(40, 9), [40], 'float64');
    check(EXPRS.transcendental, [d, d], [40]);
  });
});
