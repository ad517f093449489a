import { allocArray, getOpDef, sizeOf, stridesOf, type BackendImpl, type DType, type OpAttrs, type TensorData, type TypedArray } from '@tessera/core';
import { cpu } from '../src/index.js';

/** One CPU backend for all tests. */
const impl = cpu().createSync!();

/** Uploads values as a tensor input. */
export function tensor(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float64'): TensorData {
  const size = sizeOf(shape);
  if (values.length !== size) throw new Error(`test tensor: ${values.length} values for shape [${shape}]`);
  const arr = allocArray(dtype, size);
  for (let i = 0; i < size; i++) arr[i] = values[i];
  return { dataId: impl.write(arr, dtype, shape), shape, dtype, size };
}

/**
 * The kernel that runs op `name` on `backend`: its own, or (like the engine does) the
 * `elementwise` kernel with the op's expression.
 */
export function kernelFor(backend: BackendImpl, name: string): (ctx: { attrs: unknown } & Record<string, unknown>) => object {
  const own = backend.kernels[name] as ((ctx: unknown) => object) | undefined;
  if (own) return own;
  const def = getOpDef(name);
  const expr = backend.kernels.elementwise as ((ctx: unknown) => object) | undefined;
  if (!def?.elementwise || !expr) throw new Error(`test: backend ${backend.name} has no kernel for ${name}`);
  const toExpr = def.elementwise.bind(def) as (attrs: unknown, inputs: unknown) => unknown;
  return (ctx) => expr({ ...ctx, attrs: toExpr(ctx.attrs, ctx.inputs) });
}

/** Runs a kernel and reads its output back. */
export function run<N extends keyof OpAttrs>(
  name: N,
  inputs: readonly TensorData[],
  attrs: OpAttrs[N],
  outShape: readonly number[],
  outDtype: DType = inputs[0]?.dtype ?? 'float64',
): TypedArray {
  const kernel = kernelFor(impl, name);
  const size = sizeOf(outShape);
  const id = kernel({ backend: impl, inputs, attrs, out: { shape: outShape, dtype: outDtype, size } });
  return impl.readSync!(id, outDtype, size);
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seq(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(s / 2 ** 31 - 1);
  }
  return out;
}

/** Reads element `idx` of a row-major array of `shape`. */
export function at(values: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const st = stridesOf(shape);
  let o = 0;
  for (let k = 0; k < idx.length; k++) o += idx[k] * st[k];
  return values[o];
}

/** Max absolute difference of two arrays of equal length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
