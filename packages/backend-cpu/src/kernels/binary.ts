import { COMPARISON_OPS, broadcastStrides, type BinaryOpName, type DType, type Kernel, type NoAttrs, type TypedArray } from '@tessera/core';
import { forEachRow } from './iter.js';
import { alloc, valuesOf, wrap } from './storage.js';
import { floorMod } from './special.js';

/** A scalar function of two elements (computed in JS doubles). */
export type BinaryScalar = (a: number, b: number) => number;

/** A binary op's scalar function, with an int32 variant where doubles would be wrong. */
interface BinaryEntry {
  readonly float: BinaryScalar;
  /** For int32 inputs; results wrapped with `|0`. Defaults to `float`. */
  readonly int?: BinaryScalar;
}

const cmp = (f: (a: number, b: number) => boolean): BinaryEntry => ({ float: (a, b) => (f(a, b) ? 1 : 0) });

/** The one table behind every binary kernel. */
export const BINARY_SCALARS: { readonly [N in BinaryOpName]: BinaryEntry } = {
  add: { float: (a, b) => a + b, int: (a, b) => (a + b) | 0 },
  sub: { float: (a, b) => a - b, int: (a, b) => (a - b) | 0 },
  mul: { float: (a, b) => a * b, int: (a, b) => Math.imul(a, b) },
  // Integer division floors (÷0 gives 0: JS has no integer trap).
  div: { float: (a, b) => a / b, int: (a, b) => Math.floor(a / b) | 0 },
  pow: { float: Math.pow, int: (a, b) => Math.pow(a, b) | 0 },
  maximum: { float: Math.max },
  minimum: { float: Math.min },
  // Floored modulo for ints and floats alike (sign of the divisor; x mod 0 is 0 for int32, NaN for floats).
  mod: { float: floorMod, int: (a, b) => floorMod(a, b) | 0 },
  equal: cmp((a, b) => a === b),
  notEqual: cmp((a, b) => a !== b),
  less: cmp((a, b) => a < b),
  lessEqual: cmp((a, b) => a <= b),
  greater: cmp((a, b) => a > b),
  greaterEqual: cmp((a, b) => a >= b),
  logicalAnd: cmp((a, b) => a !== 0 && b !== 0),
  logicalOr: cmp((a, b) => a !== 0 || b !== 0),
  logicalXor: cmp((a, b) => a !== 0 !== (b !== 0)),
};

/** Picks the scalar function of an op for an input dtype. */
function scalarFor(entry: BinaryEntry, dtype: DType): BinaryScalar {
  return dtype === 'int32' && entry.int ? entry.int : entry.float;
}

/**
 * out[i] = f(a[ia], b[ib]) over `outShape` with NumPy broadcasting. Same-shape and
 * scalar operands are a single flat row; otherwise rows are the innermost (coalesced)
 * dimension, contiguous or broadcast.
 */
export function broadcastBinary(
  f: BinaryScalar,
  a: TypedArray,
  aShape: readonly number[],
  b: TypedArray,
  bShape: readonly number[],
  out: TypedArray,
  outShape: readonly number[],
): void {
  const n = out.length;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const s = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], s);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const s = a[0];
    for (let i = 0; i < n; i++) out[i] = f(s, b[i]);
    return;
  }
  const outStrides = broadcastStrides(outShape, outShape);
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  forEachRow(outShape, [outStrides, as, bs], [0, 0, 0], (offs, len, inner) => {
    let o = offs[0];
    let ia = offs[1];
    let ib = offs[2];
    const sa = inner[1];
    const sb = inner[2];
    for (let j = 0; j < len; j++) {
      out[o++] = f(a[ia], b[ib]);
      ia += sa;
      ib += sb;
    }
  });
}

/** Builds the kernel of one binary op from the table. */
export function binaryKernel(name: BinaryOpName): Kernel<NoAttrs> {
  const entry = BINARY_SCALARS[name];
  const arithmetic = !COMPARISON_OPS.includes(name);
  return ({ inputs: [a, b], out }) => {
    const ys = alloc(out.dtype, out.size);
    broadcastBinary(scalarFor(entry, a.dtype), valuesOf(a), a.shape, valuesOf(b), b.shape, ys, out.shape);
    if (arithmetic && out.dtype === 'bool') {
      // Arithmetic on bools (add, mul, max…) stays 0/1.
      for (let i = 0; i < ys.length; i++) ys[i] = ys[i] !== 0 ? 1 : 0;
    }
    return wrap(ys);
  };
}

/** where(cond, a, b): cond ? a : b, all three broadcast to out.shape. */
export const where: Kernel<NoAttrs> = ({ inputs: [c, a, b], out }) => {
  const ys = alloc(out.dtype, out.size);
  const cv = valuesOf(c);
  const av = valuesOf(a);
  const bv = valuesOf(b);
  const shape = out.shape;
  forEachRow(
    shape,
    [broadcastStrides(shape, shape), broadcastStrides(c.shape, shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)],
    [0, 0, 0, 0],
    (offs, len, inner) => {
      let o = offs[0];
      let ic = offs[1];
      let ia = offs[2];
      let ib = offs[3];
      const sc = inner[1];
      const sa = inner[2];
      const sb = inner[3];
      for (let j = 0; j < len; j++) {
        ys[o++] = cv[ic] !== 0 ? av[ia] : bv[ib];
        ic += sc;
        ia += sa;
        ib += sb;
      }
    },
  );
  return wrap(ys);
};
