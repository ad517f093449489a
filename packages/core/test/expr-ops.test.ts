import { describe, expect, it } from 'vitest';
import { binaryDefs, elementwise, scalarMath, tensor, tidy, unaryDefs, whereDef, type DType, type OpDef } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

/** The published formula of each unary op, in doubles (independent of the IR's definitions). */
const UNARY_REF: Record<string, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, sign: Math.sign, exp: Math.exp, expm1: Math.expm1, log: Math.log,
  log1p: Math.log1p, sqrt: Math.sqrt, rsqrt: (x) => 1 / Math.sqrt(x), square: (x) => x * x,
  reciprocal: (x) => 1 / x, sin: Math.sin, cos: Math.cos, tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)), relu: (x) => (x < 0 ? 0 : x),
  softplus: (x) => Math.log1p(Math.exp(x)), erf: scalarMath.erf,
  gelu: (x) => 0.5 * x * (1 + scalarMath.erf(x / Math.SQRT2)),
  floor: Math.floor, ceil: Math.ceil, round: scalarMath.roundHalfEven,
};
const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: Math.pow,
  maximum: Math.max, minimum: Math.min, mod: scalarMath.floorMod,
  equal: (a, b) => +(a === b), notEqual: (a, b) => +(a !== b), less: (a, b) => +(a < b),
  lessEqual: (a, b) => +(a <= b), greater: (a, b) => +(a > b), greaterEqual: (a, b) => +(a >= b),
};

const XS = [-30, -3.7, -1, -0.5, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 2.5, 3.5, 30];

/** Runs an op's own expression (not a backend's kernel of its name) through the elementwise op. */
function viaExpr<A>(def: OpDef<A>, attrs: A, xs: number[][], dtype: DType): number[] {
  return tidy(() => {
    const e = def.elementwise!(attrs, xs.map((v) => ({ shape: [v.length], dtype })));
    return Array.from(elementwise(e.expr, xs.map((v) => tensor(v, { dtype })), e.scalars).dataSync(), Number);
  });
}

/** |got − want| ≤ atol + rtol·|want|; float32 gets atol 1e-7 (gelu's ½x(1 + erf) cancels in float32 for x ≪ 0, as in PyTorch). */
function close(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  return Math.abs(got - want) <= atol + rtol * Math.abs(want) || (!Number.isFinite(want) && got === want);
}

describe('elementwise ops are defined by expressions that match their formulas', () => {
  for (const [name, ref] of Object.entries(UNARY_REF)) {
    it(`${name} (float64, and float32 within float32 rounding)`, () => {
      const def = unaryDefs[name as keyof typeof unaryDefs] as OpDef<Record<string, never>>;
      const inDomain = ['log', 'sqrt', 'rsqrt', 'log1p'].includes(name) ? XS.filter((x) => x > -1 && (name === 'log1p' || x > 0)) : XS;
      for (const [dtype, rtol, atol] of [['float64', 1e-14, 1e-300], ['float32', 4e-7, 1e-7]] as const) {
        const got = viaExpr(def, {}, [inDomain], dtype);
        inDomain.forEach((x, i) => {
          const want = dtype === 'float32' ? Math.fround(ref(Math.fround(x))) : ref(x);
          expect(close(got[i], want, rtol, atol), `${name}(${x}) ${dtype}: ${got[i]} vs ${want}`).toBe(true);
        });
      }
    });
  }

  it('relu keeps NaN and −0 like PyTorch', () => {
    const got = viaExpr(unaryDefs.relu as OpDef<Record<string, never>>, {}, [[Number.NaN, -0, -2]], 'float64');
    expect(got[0]).toBeNaN();
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got[2]).toBe(0);
  });

  it('leakyRelu, elu and clip take their attributes as scalars', () => {
    const xs = [-2, -0.5, 0, 0.5, 2];
    expect(viaExpr(unaryDefs.leakyRelu, { alpha: 0.1 }, [xs], 'float64')).toEqual(xs.map((x) => (x > 0 ? x : 0.1 * x)));
    expect(viaExpr(unaryDefs.elu, { alpha: 2 }, [xs], 'float64')).toEqual(xs.map((x) => (x > 0 ? x : 2 * Math.expm1(x))));
    expect(viaExpr(unaryDefs.clip, { min: -1, max: 0.25 }, [xs], 'float64')).toEqual([-1, -0.5, 0, 0.25, 0.25]);
    expect(viaExpr(unaryDefs.clip, { min: -1, max: 1 }, [[-5, 0, 7]], 'int32')).toEqual([-1, 0, 1]);
    expect(viaExpr(unaryDefs.cast, { dtype: 'int32' }, [[-1.5, 2.7]], 'float32')).toEqual([-1, 2]);
  });

  for (const [name, ref] of Object.entries(BINARY_REF)) {
    it(`${name} (float64 and int32)`, () => {
      const def = binaryDefs[name as keyof typeof binaryDefs];
      const as = [-3.5, -1, 0, 0.5, 2, 7];
      const bs = [2, -0.25, 3, 0.5, -2, 1.5];
      expect(viaExpr(def, {}, [as, bs], 'float64')).toEqual(as.map((a, i) => ref(a, bs[i])));
      if (name !== 'pow') {
        const ai = [-7, -1, 0, 5, 9, 3];
        const bi = [2, 3, 4, -2, 3, 3];
        const intRef = (a: number, b: number) => (name === 'div' ? Math.floor(a / b) : name === 'mul' ? Math.imul(a, b) : ref(a, b) | 0);
        expect(viaExpr(def, {}, [ai, bi], 'int32')).toEqual(ai.map((a, i) => intRef(a, bi[i])));
      }
    });
  }

  it('where selects with three-way broadcasting', () => {
    const got = tidy(() => {
      const e = whereDef.elementwise!({}, []);
      const c = tensor([[true], [false]]);
      return elementwise(e.expr, [c, tensor([1, 2, 3]), tensor(0)], e.scalars).arraySync();
    });
    expect(got).toEqual([[1, 2, 3], [0, 0, 0]]);
  });
});
