import { type DType, allocArray, isFloat } from '../dtype.js';
import { runOp } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { OpDef } from '../op.js';
import type { PrimitiveAttrs } from '../primitives.js';
import { nextKey } from '../rng.js';
import { assertShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul } from './binary.js';
import { backendOf, type CreateOptions, fromArray } from './convert.js';
import { cast, floor } from './unary.js';

/**
 * Most elements a creation op makes in one tensor: 2³¹ − 1. Kernels index with 32-bit
 * integers and wasm32 addresses 4 GiB, so a larger tensor could not be used anyway; the
 * check runs before anything is allocated.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Checks `shape` (valid dims, at most `MAX_TENSOR_ELEMENTS` elements) for creation op `op`. */
function checkCreate(op: string, shape: readonly number[]): void {
  assertShape(op, shape);
  const n = sizeOf(shape);
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new ShapeError(
      `${op}: shape ${fmtShape(shape)} has ${n} elements, more than the ${MAX_TENSOR_ELEMENTS} a tensor may hold; make it smaller (for ` +
        `example, create it in batches).`,
    );
  }
}

function filled(op: string, shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  checkCreate(op, shape);
  const dtype = opts?.dtype ?? 'float32';
  const arr = allocArray(dtype, sizeOf(shape));
  if (value !== 0) arr.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  const t = fromArray(arr, shape, dtype, backendOf(opts));
  if (opts?.requiresGrad) t.requiresGrad_();
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts?: CreateOptions): Tensor {
  return filled('zeros', shape, 0, opts);
}
/** A tensor of ones. */
export function ones(shape: readonly number[], opts?: CreateOptions): Tensor {
  return filled('ones', shape, 1, opts);
}
/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  return filled('full', shape, value, opts);
}

const likeOpts = (t: Tensor, opts?: CreateOptions): CreateOptions => ({
  dtype: opts?.dtype ?? t.dtype,
  backend: opts?.backend ?? t.backend,
  requiresGrad: opts?.requiresGrad,
});

/** Zeros with t's shape, dtype and backend. */
export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  return zeros(t.shape, likeOpts(t, opts));
}
/** Ones with t's shape, dtype and backend. */
export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  return ones(t.shape, likeOpts(t, opts));
}
/** `value` with t's shape, dtype and backend. */
export function fullLike(t: Tensor, value: number, opts?: CreateOptions): Tensor {
  return full(t.shape, value, likeOpts(t, opts));
}

/** A 0-d tensor. */
export function scalar(value: number, opts?: CreateOptions): Tensor {
  return filled('scalar', [], value, opts);
}

/** Values start, start+step, … below stop (like Python's range; int32 when all are integers). */
export function arange(start: number, stop?: number, step = 1, opts?: CreateOptions): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new ShapeError('arange: step must not be 0.');
  const n = Math.max(Math.ceil((b - a) / step), 0);
  if (!Number.isFinite(n)) throw new ShapeError(`arange: start ${a}, stop ${b} and step ${step} must be finite.`);
  checkCreate('arange', [n]);
  const dtype: DType = opts?.dtype ?? ([a, b, step].every(Number.isInteger) ? 'int32' : 'float32');
  const arr = allocArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = a + i * step;
  return fromArray(arr, [n], dtype, backendOf(opts));
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, opts?: CreateOptions): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new ShapeError(`linspace: num must be a non-negative integer (got ${num}).`);
  checkCreate('linspace', [num]);
  const dtype = opts?.dtype ?? 'float32';
  const arr = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) arr[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromArray(arr, [num], dtype, backendOf(opts));
}

/** Identity matrix n × m (m defaults to n). */
export function eye(n: number, m = n, opts?: CreateOptions): Tensor {
  checkCreate('eye', [n, m]);
  const dtype = opts?.dtype ?? 'float32';
  const arr = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return fromArray(arr, [n, m], dtype, backendOf(opts));
}

const randomDef: OpDef<PrimitiveAttrs['random']> = {
  name: 'random',
  infer: (_in, a) => {
    assertShape('random', a.shape);
    if (!isFloat(a.dtype)) throw new DTypeError(`random: dtype must be float32 or float64 (got ${a.dtype}).`);
    return { shape: [...a.shape], dtype: a.dtype };
  },
  // A compiled step draws new keys per replay, in the order eager execution would.
  fresh: (a) => {
    const [key0, key1] = nextKey();
    return { ...a, key0, key1 };
  },
  nonDifferentiable: true,
};

function random(op: string, dist: 'uniform' | 'normal', shape: readonly number[], opts?: CreateOptions): Tensor {
  checkCreate(op, shape);
  const [key0, key1] = nextKey();
  const t = runOp(randomDef, [], { dist, key0, key1, shape, dtype: opts?.dtype ?? 'float32' }, backendOf(opts));
  if (opts?.requiresGrad) t.requiresGrad_();
  return t;
}

/** Uniform random values in [0, 1) from the seeded counter-based generator. */
export function rand(shape: readonly number[], opts?: CreateOptions): Tensor {
  return random('rand', 'uniform', shape, opts);
}
/** Standard normal random values from the seeded generator. */
export function randn(shape: readonly number[], opts?: CreateOptions): Tensor {
  return random('randn', 'normal', shape, opts);
}
/** Uniform random integers in [low, high) (int32 unless dtype says otherwise). */
export function randint(low: number, high: number, shape: readonly number[], opts?: CreateOptions): Tensor {
  if (!(high > low)) throw new ShapeError(`randint: high (${high}) must be greater than low (${low}).`);
  return tidy(() => {
    const u = random('randint', 'uniform', shape, { backend: opts?.backend, dtype: 'float32' });
    return cast(add(floor(mul(u, high - low)), low), opts?.dtype ?? 'int32');
  });
}
/** rand with t's shape, dtype and backend. */
export function randLike(t: Tensor, opts?: CreateOptions): Tensor {
  return rand(t.shape, likeOpts(t, opts));
}
/** randn with t's shape, dtype and backend. */
export function randnLike(t: Tensor, opts?: CreateOptions): Tensor {
  return randn(t.shape, likeOpts(t, opts));
}

/** Op definitions of creation ops that run kernels. */
export const creationDefs = { random: randomDef } as const;
