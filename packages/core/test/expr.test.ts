import { describe, expect, it } from 'vitest';
import {
  DTypeError, ExprError, elementwise, evalExpr, ex, gradOf, lowerExpr, scalarMath, tensor, tidy, type Expr,
} from '@tessera/core';
import { expectFiniteDifferences } from './grad-check.js';
import { useCpu } from './setup.js';

useCpu();

const x = ex.input(0);
const y = ex.input(1);

describe('lowerExpr', () => {
  it('types literals by the operand they meet and comparisons as bool', () => {
    const l = lowerExpr(ex.add(x, 1), ['int32']);
    expect(l.dtype).toBe('int32');
    expect(l.instrs.map((i) => `${i.op}:${i.dtype}`)).toEqual(['input:int32', 'const:int32', 'add:int32']);
    expect(lowerExpr(ex.lt(x, 0), ['float32']).dtype).toBe('bool');
    expect(lowerExpr(ex.select(ex.gt(x, 0), x, ex.mul(ex.scalar(0), x)), ['float64'])).toMatchObject({ dtype: 'float64', scalars: 1 });
  });

  it('computes a shared subexpression once', () => {
    const sq = ex.mul(x, x);
    const l = lowerExpr(ex.add(sq, ex.mul(x, x)), ['float32']);
    expect(l.instrs.filter((i) => i.op === 'mul')).toHaveLength(1);
  });

  it('keys by structure and input dtypes, not by scalar values', () => {
    const e = ex.mul(x, ex.scalar(0));
    expect(lowerExpr(e, ['float32']).key).toBe(lowerExpr(ex.mul(x, ex.scalar(0)), ['float32']).key);
    expect(lowerExpr(e, ['float32']).key).not.toBe(lowerExpr(e, ['float64']).key);
    expect(lowerExpr(ex.mul(x, 2), ['float32']).key).not.toBe(lowerExpr(ex.mul(x, 3), ['float32']).key);
  });

  it('rejects malformed expressions with errors that name the node and the fix', () => {
    expect(() => lowerExpr(ex.add(x, y), ['float32', 'int32'])).toThrow(DTypeError);
    expect(() => lowerExpr(ex.add(x, y), ['float32', 'int32'])).toThrow(/'add' has operands of dtypes float32 and int32; cast/);
    expect(() => lowerExpr(ex.exp(x), ['int32'])).toThrow(/'exp' needs a float operand/);
    expect(() => lowerExpr(ex.and(x, x), ['float32'])).toThrow(/'and' takes bool operands/);
    expect(() => lowerExpr(ex.select(x, 1, 2), ['float32'])).toThrow(/condition must be bool/);
    expect(() => lowerExpr(ex.input(2), ['float32'])).toThrow(ExprError);
    expect(() => lowerExpr(ex.add(1, 2), ['float32'])).toThrow(/reads no input/);
  });
});

describe('evalExpr (the reference interpreter)', () => {
  it('broadcasts inputs NumPy-style and rounds float32 after every node', () => {
    const a = { values: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };
    const b = { values: new Float32Array([10, 20]), shape: [2, 1] };
    const out = evalExpr(lowerExpr(ex.add(ex.mul(x, 3), y), ['float32', 'float32']), [a, b], [2, 3], []);
    expect(Array.from(out)).toEqual([13, 16, 19, 32, 35, 38]);
    const third = evalExpr(lowerExpr(ex.mul(ex.div(x, 3), 3), ['float32']), [{ values: new Float32Array([0.1]), shape: [1] }], [1], []);
    expect(third[0]).toBe(Math.fround(Math.fround(Math.fround(0.1) / 3) * 3));
  });

  it('follows int32 semantics: wrapping, floor division, floored modulo', () => {
    const a = { values: new Int32Array([7, -7, 0x7fffffff, 5]), shape: [4] };
    const b = { values: new Int32Array([2, 2, 2, 0]), shape: [4] };
    const run = (e: Expr) => Array.from(evalExpr(lowerExpr(e, ['int32', 'int32']), [a, b], [4], []));
    expect(run(ex.div(x, y))).toEqual([3, -4, 0x3fffffff, 0]);
    expect(run(ex.mod(x, y))).toEqual([1, 1, 1, 0]);
    expect(run(ex.mul(x, y))).toEqual([14, -14, -2, 0]);
    expect(run(ex.add(x, 1))).toEqual([8, -6, -0x80000000, 6]);
  });

  it('casts truncate toward zero and map nonzero to true', () => {
    const a = { values: new Float32Array([-1.7, 0, 2.9, Number.NaN]), shape: [4] };
    expect(Array.from(evalExpr(lowerExpr(ex.cast(x, 'int32'), ['float32']), [a], [4], []))).toEqual([-1, 0, 2, 0]);
    expect(Array.from(evalExpr(lowerExpr(ex.cast(x, 'bool'), ['float32']), [a], [4], []))).toEqual([1, 0, 1, 1]);
  });

  it('uses scalars at run time', () => {
    const l = lowerExpr(ex.mul(x, ex.scalar(0)), ['float64']);
    const a = { values: new Float64Array([1, 2]), shape: [2] };
    expect(Array.from(evalExpr(l, [a], [2], [0.5]))).toEqual([0.5, 1]);
    expect(Array.from(evalExpr(l, [a], [2], [3]))).toEqual([3, 6]);
  });

  it('walks broadcast inputs across block boundaries', () => {
    const n = 3000;
    const col = { values: Float64Array.from({ length: n }, (_, i) => i), shape: [n, 1] };
    const row = { values: new Float64Array([0, 0.5]), shape: [1, 2] };
    const out = evalExpr(lowerExpr(ex.add(x, y), ['float64', 'float64']), [col, row], [n, 2], []);
    for (let i = 0; i < n; i++) {
      expect(out[2 * i]).toBe(i);
      expect(out[2 * i + 1]).toBe(i + 0.5);
    }
  });

  it('shares its special functions with backends', () => {
    expect(scalarMath.erf(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(scalarMath.floorMod(-7, 3)).toBe(2);
    expect(scalarMath.roundHalfEven(2.5)).toBe(2);
  });
});

describe('elementwise op', () => {
  it('runs an expression over tensors and checks the scalar count', () => {
    tidy(() => {
      const t = tensor([[1, -2], [3, -4]]);
      const r = elementwise(ex.select(ex.gt(x, 0), x, ex.mul(ex.scalar(0), x)), [t], [0.1]);
      expect(r.arraySync()).toEqual([[1, Math.fround(-0.2)], [3, Math.fround(-0.4)]]);
      expect(() => elementwise(ex.mul(x, ex.scalar(1)), [t], [1])).toThrow(/reads scalar\(1\) but 1 scalar/);
    });
  });

  it('derives gradients from the expression (checked by finite differences, float64)', () => {
    const a = tensor([0.3, -0.7, 1.2, 2.0], { dtype: 'float64', requiresGrad: true });
    const b = tensor([[0.5], [-1.5]], { dtype: 'float64', requiresGrad: true });
    const exprs: Expr[] = [
      ex.mul(ex.sin(x), ex.exp(y)),
      ex.div(ex.tanh(x), ex.add(ex.mul(y, y), 1)),
      ex.add(ex.erf(x), ex.log1p(ex.mul(y, y))),
      ex.max(ex.mul(x, y), ex.sqrt(ex.add(ex.abs(x), 1))),
      ex.select(ex.gt(x, 0), ex.pow(ex.add(ex.abs(y), 1), x), ex.expm1(ex.mul(x, y))),
      ex.mul(ex.cos(x), ex.scalar(0)),
      ex.sub(ex.mod(ex.mul(x, 3), ex.add(ex.abs(y), 2)), ex.min(x, y)),
    ];
    for (const e of exprs) expectFiniteDifferences(() => elementwise(e, [a, b], [1.7]).sum(), [a, b]);
  });

  it('gives second-order gradients (the gradient is itself an expression)', () => {
    // d²/dx² x·sin x = 2 cos x − x sin x
    const xs = [-1.5, -0.3, 0, 0.7, 2];
    const d2 = gradOf((t) => gradOf((z) => elementwise(ex.mul(ex.sin(x), x), [z]).sum())(t).sum());
    const got = Array.from(d2(tensor(xs, { dtype: 'float64' })).dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(2 * Math.cos(xs[i]) - xs[i] * Math.sin(xs[i]), 12));
  });
});
