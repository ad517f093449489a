import type { DType, Kernel, PrimitiveAttrs, UnaryOpName } from '@tessera/core';
import { alloc, valuesOf, wrap } from './storage.js';
import { erf, gelu, roundHalfEven, sigmoid, softplus } from './special.js';

/** A scalar function applied elementwise (computed in JS doubles). */
export type UnaryScalar = (x: number) => number;

/** The unary elementwise family: attribute-free unary ops plus the four with attributes. */
export type UnaryFamilyName = UnaryOpName | 'leakyRelu' | 'elu' | 'clip' | 'cast';

/**
 * Builds the scalar function of one unary op from its attributes and the input dtype.
 * The result is stored into the output's typed array, so int32 outputs wrap like `|0`
 * (and truncate toward zero) and float32 outputs round to nearest.
 */
type UnaryMaker<N extends UnaryFamilyName> = (attrs: PrimitiveAttrs[N], dtype: DType) => UnaryScalar;

/** An op whose scalar function depends on nothing. */
const fixed =
  (fn: UnaryScalar) =>
  (): UnaryScalar =>
    fn;

const identity: UnaryScalar = (x) => x;
const toBool: UnaryScalar = (x) => (x !== 0 ? 1 : 0);

/** The one table behind every unary kernel. */
export const UNARY_SCALARS: { readonly [N in UnaryFamilyName]: UnaryMaker<N> } = {
  neg: fixed((x) => -x),
  abs: fixed(Math.abs),
  sign: fixed(Math.sign),
  exp: fixed(Math.exp),
  expm1: fixed(Math.expm1),
  log: fixed(Math.log),
  log1p: fixed(Math.log1p),
  sqrt: fixed(Math.sqrt),
  rsqrt: fixed((x) => 1 / Math.sqrt(x)),
  // x·x in doubles loses low bits past 2^53, so int32 squares wrap with imul.
  square: (_, dtype) => (dtype === 'int32' ? (x) => Math.imul(x, x) : (x) => x * x),
  reciprocal: fixed((x) => 1 / x),
  sin: fixed(Math.sin),
  cos: fixed(Math.cos),
  tanh: fixed(Math.tanh),
  sigmoid: fixed(sigmoid),
  // `x < 0 ? 0 : x` keeps NaN (PyTorch's relu propagates NaN).
  relu: fixed((x) => (x < 0 ? 0 : x)),
  softplus: fixed(softplus),
  erf: fixed(erf),
  gelu: fixed(gelu),
  floor: fixed(Math.floor),
  ceil: fixed(Math.ceil),
  round: fixed(roundHalfEven),
  logicalNot: fixed((x) => (x === 0 ? 1 : 0)),
  leakyRelu: ({ alpha }) => (x) => (x > 0 ? x : alpha * x),
  elu: ({ alpha }) => (x) => (x > 0 ? x : alpha * Math.expm1(x)),
  clip: ({ min, max }) => (x) => (x < min ? min : x > max ? max : x),
  // Float→int32 truncation toward zero happens in the Int32Array store.
  cast: ({ dtype }) => (dtype === 'bool' ? toBool : identity),
};

/** Builds the kernel of one unary op: one generic loop over the table's scalar function. */
export function unaryKernel<N extends UnaryFamilyName>(name: N): Kernel<PrimitiveAttrs[N]> {
  const make = UNARY_SCALARS[name] as UnaryMaker<N>;
  return ({ inputs: [x], attrs, out }) => {
    const f = make(attrs, x.dtype);
    const xs = valuesOf(x);
    const ys = alloc(out.dtype, out.size);
    const n = out.size;
    for (let i = 0; i < n; i++) ys[i] = f(xs[i]);
    return wrap(ys);
  };
}
