import { allocArray, type DType, type TypedArray } from '../dtype.js';
import { broadcastStrides, sizeOf } from '../shape.js';
import type { ExprBinaryOp, ExprUnaryOp } from './ir.js';
import type { LoweredExpr } from './lower.js';
import { erf, floorMod, roundHalfEven } from './special.js';

/** One input of `evalExpr`: its values (row-major) and shape (broadcast to the output's). */
export interface ExprOperand {
  readonly values: TypedArray;
  readonly shape: readonly number[];
}

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;
const b01 = (v: boolean): number => (v ? 1 : 0);

/** The reference semantics of each unary node, in JS doubles (the result is then rounded to the node's dtype). */
const UNARY_FN: { readonly [K in ExprUnaryOp]: Fn1 } = {
  neg: (x) => -x, abs: Math.abs, sign: Math.sign, exp: Math.exp, expm1: Math.expm1, log: Math.log,
  log1p: Math.log1p, sqrt: Math.sqrt, sin: Math.sin, cos: Math.cos, tanh: Math.tanh, erf,
  floor: Math.floor, ceil: Math.ceil, round: roundHalfEven, not: (x) => b01(x === 0),
};

/** The reference semantics of each binary node (int32 variants where doubles would differ). */
const BINARY_FN: { readonly [K in ExprBinaryOp]: Fn2 } = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  pow: Math.pow, max: Math.max, min: Math.min, mod: floorMod,
  eq: (a, b) => b01(a === b), ne: (a, b) => b01(a !== b), lt: (a, b) => b01(a < b),
  le: (a, b) => b01(a <= b), gt: (a, b) => b01(a > b), ge: (a, b) => b01(a >= b),
  and: (a, b) => b01(a !== 0 && b !== 0), or: (a, b) => b01(a !== 0 || b !== 0),
  xor: (a, b) => b01(a !== 0 !== (b !== 0)),
};
const INT_BINARY: Partial<Record<ExprBinaryOp, Fn2>> = {
  mul: Math.imul,
  // Integer division floors (÷0 gives 0: JS has no integer trap).
  div: (a, b) => Math.floor(a / b),
};

/** Rounds a node's doubles to its dtype: float32 after every node, int32 wraps like `|0`. */
function roundTo(dtype: DType, t: Float64Array, n: number): void {
  if (dtype === 'float32') for (let i = 0; i < n; i++) t[i] = Math.fround(t[i]);
  else if (dtype === 'int32') for (let i = 0; i < n; i++) t[i] = t[i] | 0;
  else if (dtype === 'bool') for (let i = 0; i < n; i++) t[i] = t[i] !== 0 ? 1 : 0;
}

/** Elements per block: the interpreter evaluates every node over a block before the next. */
const BLOCK = 1024;

/** Copies input values for output elements [start, start + n) into `dst`, broadcasting. */
function gather(
  x: ExprOperand,
  strides: readonly number[],
  outShape: readonly number[],
  size: number,
  start: number,
  n: number,
  dst: Float64Array,
): void {
  const v = x.values;
  if (v.length === 1) {
    dst.fill(v[0], 0, n);
    return;
  }
  // Broadcasting only repeats elements: an input as large as the output is the output's layout.
  if (v.length === size) {
    for (let i = 0; i < n; i++) dst[i] = v[start + i];
    return;
  }
  const rank = outShape.length;
  const idx = new Array<number>(rank);
  let rem = start;
  let off = 0;
  for (let d = rank - 1; d >= 0; d--) {
    idx[d] = rem % outShape[d];
    rem = Math.floor(rem / outShape[d]);
    off += idx[d] * strides[d];
  }
  for (let i = 0; i < n; i++) {
    dst[i] = v[off];
    for (let d = rank - 1; d >= 0; d--) {
      off += strides[d];
      if (++idx[d] < outShape[d]) break;
      off -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Evaluates a lowered expression over its operands broadcast to `outShape`: core's
 * reference interpreter, and the path any backend may use where it has no compiled kernel
 * (CPU float64/int32/bool). Works a block of elements at a time, node by node, in JS
 * doubles rounded to each node's dtype (so float32 results match a chain of single float32
 * ops). Returns a fresh array of the expression's dtype, or fills `out`.
 */
export function evalExpr(
  lowered: LoweredExpr,
  operands: readonly ExprOperand[],
  outShape: readonly number[],
  scalars: readonly number[],
  out?: TypedArray,
): TypedArray {
  const size = sizeOf(outShape);
  const result = out ?? allocArray(lowered.dtype, size);
  const strides = operands.map((o) => broadcastStrides(o.shape, outShape));
  const { instrs } = lowered;
  const temps = instrs.map(() => new Float64Array(Math.min(BLOCK, size)));
  for (let start = 0; start < size; start += BLOCK) {
    const n = Math.min(BLOCK, size - start);
    for (let j = 0; j < instrs.length; j++) {
      const ins = instrs[j];
      const t = temps[j];
      switch (ins.op) {
        case 'input':
          gather(operands[ins.index], strides[ins.index], outShape, size, start, n, t);
          break;
        case 'const':
          t.fill(ins.value, 0, n);
          break;
        case 'scalar':
          t.fill(scalars[ins.index], 0, n);
          break;
        case 'cast': {
          const x = temps[ins.x];
          for (let i = 0; i < n; i++) t[i] = x[i];
          break;
        }
        case 'select': {
          const c = temps[ins.cond];
          const a = temps[ins.a];
          const b = temps[ins.b];
          for (let i = 0; i < n; i++) t[i] = c[i] !== 0 ? a[i] : b[i];
          break;
        }
        default:
          if ('x' in ins) {
            const f = UNARY_FN[ins.op];
            const x = temps[ins.x];
            for (let i = 0; i < n; i++) t[i] = f(x[i]);
          } else {
            const f = (instrs[ins.a].dtype === 'int32' && INT_BINARY[ins.op]) || BINARY_FN[ins.op];
            const a = temps[ins.a];
            const b = temps[ins.b];
            for (let i = 0; i < n; i++) t[i] = f(a[i], b[i]);
          }
      }
      roundTo(ins.dtype, t, n);
    }
    const last = temps[instrs.length - 1];
    for (let i = 0; i < n; i++) result[start + i] = last[i];
  }
  return result;
}
