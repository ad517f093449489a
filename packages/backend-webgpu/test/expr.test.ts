import * as T from '@tessera/core';
import { ex, type DType, type Expr, type Tensor, type TypedArray } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { webgpuKernels } from '../src/index.js';
import { testPlugin, unavailable, REQUIRE_GPU } from './gpu.js';
import { useBackends } from './helpers.js';

const X = ex.input(0);
const Y = ex.input(1);
const S0 = ex.scalar(0);

/** Values that find the edges: signed zeros, halves (rounding), NaN, ±∞, int32 range edges. */
const FLOATS = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-8, -3e-5, 3, 7, -7, 100, -100, 1e30, -1e30, NaN, Infinity, -Infinity, 2147483648, -2147483904, 3e9, -3e9, 1e20];
const INTS = [0, 1, -1, 2, -2, 3, -3, 7, -7, 100, 65536, -65536, 123456789, 2147483647, -2147483648, 46341];
const BOOLS = [0, 1, 1, 0];

/**
 * `a` against `b` element by element: bitwise equal (NaN equals NaN; ±0 equal where
 * `anyZero`), or within rtol/atol.
 */
function close(a: TypedArray, b: TypedArray, tol?: { rtol: number; atol: number }, anyZero = false): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (Object.is(x, y) || (x !== x && y !== y) || (anyZero && x === 0 && y === 0)) continue;
    if (tol && Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y)) continue;
    return `element ${i}: webgpu ${x}, reference ${y}`;
  }
  return null;
}

/** Runs `expr` on webgpu and with core's reference interpreter; returns both results. */
async function both(expr: Expr, inputs: readonly { values: readonly number[]; dtype: DType; shape?: readonly number[] }[], scalars: readonly number[] = []) {
  const ts = inputs.map((i) => T.tensor(i.values as number[], { dtype: i.dtype, shape: i.shape ?? [i.values.length], backend: 'webgpu' }));
  const y = T.elementwise(expr, ts, scalars);
  const gpu = await y.data();
  const lowered = T.lowerExpr(expr, inputs.map((i) => i.dtype));
  const operands = ts.map((t, k) => ({ values: T.tensor(inputs[k].values as number[], { dtype: inputs[k].dtype, backend: 'cpu' }).dataSync(), shape: t.shape }));
  const ref = T.evalExpr(lowered, operands, y.shape, scalars);
  T.dispose([...ts, y]);
  return { gpu, ref };
}

const f32 = (values: readonly number[] = FLOATS) => ({ values, dtype: 'float32' as const });
const i32 = (values: readonly number[] = INTS) => ({ values, dtype: 'int32' as const });
const bool = (values: readonly number[] = BOOLS) => ({ values, dtype: 'bool' as const });
/** Every pair of two value lists, as two equal-length columns. */
function pairs(a: readonly number[], b: readonly number[]): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const x of a) for (const y of b) (xs.push(x), ys.push(y));
  return [xs, ys];
}

describe('primitive coverage', () => {
  it('every primitive has a WebGPU kernel or an expression (which runs through the elementwise kernel)', () => {
    const missing = Object.entries({ ...T.primitiveDefs, ...T.elementwiseDefs })
      .filter(([name, def]) => !(name in webgpuKernels) && !(def as { elementwise?: unknown }).elementwise)
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(webgpuKernels.elementwise).toBeTypeOf('function');
  });

  it('has no per-op kernels left for ops that carry an expression', () => {
    const both = Object.entries(T.elementwiseDefs).filter(([name, def]) => name in webgpuKernels && (def as { elementwise?: unknown }).elementwise);
    expect(both.map(([n]) => n)).toEqual([]);
  });
});

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('the WGSL expression compiler against core\'s reference semantics', () => {
  useBackends(testPlugin());

  it('float32 nodes that are exact in IEEE arithmetic: bit for bit (NaN, ±0, ±∞, halves)', async () => {
    const [a, b] = pairs([0, -0, 1.5, -2.5, 7, -7, 1e30, NaN, Infinity, -Infinity], [0, -0, 2, -3, 0.5, NaN, Infinity]);
    const unary: Expr[] = [ex.neg(X), ex.abs(X), ex.sign(X), ex.floor(X), ex.ceil(X), ex.round(X), ex.select(ex.lt(X, 0), 0, X), ex.sqrt(ex.abs(X))];
    for (const e of unary) {
      const { gpu, ref } = await both(e, [f32()]);
      expect(close(gpu, ref), JSON.stringify(e)).toBeNull();
    }
    const binary: Expr[] = [ex.add(X, Y), ex.sub(X, Y), ex.mul(X, Y), ex.div(X, Y), ex.max(X, Y), ex.min(X, Y), ex.eq(X, Y), ex.ne(X, Y), ex.lt(X, Y), ex.le(X, Y), ex.gt(X, Y), ex.ge(X, Y)];
    for (const e of binary) {
      const { gpu, ref } = await both(e, [f32(a), f32(b)]);
      // WGSL leaves the sign of max(0, −0) and min(0, −0) open.
      expect(close(gpu, ref, undefined, e.op === 'max' || e.op === 'min'), JSON.stringify(e)).toBeNull();
    }
  });

  it('float32 floored mod on moderate quotients (sign of the divisor)', async () => {
    const [a, b] = pairs([0, 5.5, -5.5, 7, -7, 1e-3], [2, -2, 3, -0.75]);
    const { gpu, ref } = await both(ex.mod(X, Y), [f32(a), f32(b)]);
    expect(close(gpu, ref, { rtol: 1e-6, atol: 1e-6 })).toBeNull();
  });

  it('float32 transcendental nodes within float32 rounding of the reference', async () => {
    const xs = [-20, -5, -1, -0.5, -1e-3, -1e-7, 0, 1e-7, 1e-3, 0.25, 0.5, 1, 2, 5, 20, NaN, Infinity, -Infinity];
    const tol = { rtol: 2e-6, atol: 1e-7 };
    const cases: [Expr, { rtol: number; atol: number }][] = [
      [ex.exp(X), tol], [ex.expm1(X), tol], [ex.log(ex.abs(X)), tol], [ex.log1p(ex.abs(X)), tol],
      [ex.tanh(X), tol],
      // A Taylor series below |x| = 1, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7) above.
      [ex.erf(X), { rtol: 1e-6, atol: 2e-7 }],
      [ex.pow(ex.abs(X), 0.5), tol], [ex.pow(X, 3), tol], [ex.pow(X, 0), tol],
    ];
    for (const [e, t] of cases) {
      const { gpu, ref } = await both(e, [f32(xs)]);
      expect(close(gpu, ref, t), JSON.stringify(e)).toBeNull();
    }
    // WGSL promises sin/cos to 2⁻¹¹ absolute on [−π, π] only (SwiftShader is off by 6e-5 at −20).
    const angles = [-3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, NaN, Infinity, -Infinity];
    for (const e of [ex.sin(X), ex.cos(X)]) {
      const { gpu, ref } = await both(e, [f32(angles)]);
      expect(close(gpu, ref, { rtol: 0, atol: 2 ** -11 }), JSON.stringify(e)).toBeNull();
    }
  });

  it('int32: wrapping + − ×, floored div and mod with ÷0 → 0, neg/abs/sign/min/max, comparisons: bit for bit', async () => {
    const [a, b] = pairs(INTS, [0, 1, -1, 2, -3, 7, 65536, -2147483648]);
    const exprs: Expr[] = [ex.add(X, Y), ex.sub(X, Y), ex.mul(X, Y), ex.div(X, Y), ex.mod(X, Y), ex.max(X, Y), ex.min(X, Y), ex.lt(X, Y), ex.eq(X, Y), ex.ge(X, Y)];
    for (const e of exprs) {
      const { gpu, ref } = await both(e, [i32(a), i32(b)]);
      expect(close(gpu, ref), JSON.stringify(e)).toBeNull();
    }
    for (const e of [ex.neg(X), ex.abs(X), ex.sign(X), ex.floor(X), ex.round(X), ex.add(X, -2147483648), ex.mul(X, -3), ex.add(X, 2147483647)]) {
      const { gpu, ref } = await both(e, [i32()]);
      expect(close(gpu, ref), JSON.stringify(e)).toBeNull();
    }
  });

  it('casts: float→int truncates and wraps like |0 (NaN, ±∞ → 0), int→float, nonzero → true, bool → 0/1', async () => {
    const casts: [Expr, ReturnType<typeof f32 | typeof i32 | typeof bool>][] = [
      [ex.cast(X, 'int32'), f32()],
      [ex.cast(X, 'bool'), f32()],
      [ex.cast(X, 'float32'), i32()],
      [ex.cast(X, 'bool'), i32()],
      [ex.cast(X, 'float32'), bool()],
      [ex.cast(X, 'int32'), bool()],
      [ex.add(ex.cast(ex.gt(X, 0), 'float32'), 0.5), f32()],
    ];
    for (const [e, input] of casts) {
      const { gpu, ref } = await both(e, [input]);
      expect(close(gpu, ref), `${JSON.stringify(e)} of ${input.dtype}`).toBeNull();
    }
  });

  it('bool logic, bool comparisons and select over every pair', async () => {
    const [a, b] = pairs([0, 1], [0, 1]);
    for (const e of [ex.and(X, Y), ex.or(X, Y), ex.xor(X, Y), ex.not(X), ex.eq(X, Y), ex.lt(X, Y), ex.ge(X, Y), ex.select(X, Y, ex.not(Y))]) {
      const { gpu, ref } = await both(e, [bool(a), bool(b)]);
      expect(close(gpu, ref), JSON.stringify(e)).toBeNull();
    }
  });

  it('literals (negative, −0, NaN, ∞, beyond float32, int32 min) and scalars of each dtype', async () => {
    const lits = [-1.25, -0, NaN, Infinity, -Infinity, 1e40, 1e-7, 0.1, 16777217];
    for (const v of lits) {
      const { gpu, ref } = await both(ex.add(ex.mul(X, 0), v), [f32([1, 2])]);
      expect(close(gpu, ref), `literal ${v}`).toBeNull();
    }
    for (const v of [-2147483648, -5, 2147483647, 4294967297]) {
      const { gpu, ref } = await both(ex.sub(X, v), [i32([0, 3])]);
      expect(close(gpu, ref), `int literal ${v}`).toBeNull();
    }
    const scalarCases: [Expr, ReturnType<typeof f32 | typeof i32 | typeof bool>, number[]][] = [
      [ex.mul(X, S0), f32([1, -2, 3]), [0.1]],
      [ex.add(X, S0), i32([1, -2, 3]), [-7.9]],
      [ex.and(X, S0), bool([0, 1]), [2]],
      // One scalar read in two dtypes: two uniform words.
      [ex.add(ex.cast(ex.add(ex.cast(X, 'int32'), S0), 'float32'), S0), f32([1.5, -2.5]), [3.5]],
    ];
    for (const [e, input, scalars] of scalarCases) {
      const { gpu, ref } = await both(e, [input], scalars);
      expect(close(gpu, ref), JSON.stringify(e)).toBeNull();
    }
  });

  it('broadcasts three inputs (strided and flat variants) like the reference', async () => {
    const a = { values: Array.from({ length: 24 }, (_, i) => i - 11.5), dtype: 'float32' as const, shape: [2, 3, 4] };
    const b = { values: [1, -2, 3], dtype: 'float32' as const, shape: [3, 1] };
    const c = { values: [0.5], dtype: 'float32' as const, shape: [] };
    const e = ex.select(ex.gt(X, ex.input(2)), ex.mul(X, Y), ex.sub(Y, ex.input(2)));
    const { gpu, ref } = await both(e, [a, b, c]);
    expect(close(gpu, ref)).toBeNull();
    const flat = await both(e, [a, { ...a, values: a.values.map((v) => -v) }, c]);
    expect(close(flat.gpu, flat.ref)).toBeNull();
  });

  it('compiles once per expression and layout: new scalar values reuse the pipeline', async () => {
    const info = () => T.getBackend('webgpu').info?.() as unknown as { pipelines: number };
    const x = T.tensor([1, 2, 3], { backend: 'webgpu' });
    const e = ex.add(ex.mul(X, S0), ex.scalar(1));
    T.dispose(T.elementwise(e, [x], [1, 0]));
    const before = info().pipelines;
    for (const [s, t] of [[2, 1], [-0.5, 3], [10, -10]]) {
      const y = T.elementwise(e, [x], [s, t]);
      expect(Array.from(await y.data())).toEqual([1, 2, 3].map((v) => Math.fround(v * s + t)));
      y.dispose();
    }
    // A structurally equal expression built again shares the key, so the pipeline too.
    T.dispose(T.elementwise(ex.add(ex.mul(X, S0), ex.scalar(1)), [x], [4, 4]));
    expect(info().pipelines).toBe(before);
    x.dispose();
  });

  it('names float64 and the storage-buffer limit in clear errors', () => {
    const x = T.tensor([1, 2], { backend: 'webgpu' });
    expect(() => T.elementwise(ex.cast(ex.add(ex.cast(X, 'float64'), 1), 'float32'), [x])).toThrow(/float64.*WebGPU/);
    const many = Array.from({ length: 12 }, () => x);
    expect(() => T.elementwise(ex.sum(...many.map((_, k) => ex.input(k))), many)).toThrow(/storage buffers/);
    x.dispose();
  });

  it('runs a plugin op defined only by an expression (no kernel), forward and gradient, like the CPU', async () => {
    const swish = T.defineElementwise<{ beta: number }>({ name: 'test.swish', expr: ({ beta }) => ({ expr: ex.div(X, ex.add(1, ex.exp(ex.neg(ex.mul(X, S0))))), scalars: [beta] }) });
    const run = async (backend: string) => {
      const x = T.tensor([-3, -1, -0.25, 0, 0.5, 2, 6], { backend }).requiresGrad_();
      const y = T.runOp(swish, [x], { beta: 1.5 });
      const [g] = T.gradients(T.sum(y), [x]);
      const out = [await y.data(), await g.data()];
      T.dispose([x, y, g]);
      return out;
    };
    const [gy, gg] = await run('webgpu');
    const [cy, cg] = await run('cpu');
    expect(close(gy, cy, { rtol: 1e-6, atol: 1e-7 })).toBeNull();
    expect(close(gg, cg, { rtol: 1e-5, atol: 1e-6 })).toBeNull();
  });
});

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('expressions in compiled steps', () => {
  useBackends(testPlugin());

  it('patches a per-replay scalar (a learning-rate schedule) into the recorded uniform words', async () => {
    const w = new T.Parameter(T.tensor([1, 2, 3], { backend: 'webgpu' }));
    let lr = 0.5;
    const scaled = T.defineElementwise<{ lr: number }>({ name: 'test.scaledStep', expr: ({ lr: r }) => ({ expr: ex.sub(X, ex.mul(Y, S0)), scalars: [r] }), nonDifferentiable: true });
    const step = T.compile((g: Tensor) => {
      T.noGrad(() => w.assign(T.runOp(scaled, [w, g], () => ({ lr }))));
    });
    const g = T.tensor([1, 1, 1], { backend: 'webgpu' });
    const expected = [1, 2, 3];
    for (let i = 0; i < 6; i++) {
      lr = 0.5 / (i + 1);
      T.tidy(() => step(g));
      for (let k = 0; k < 3; k++) expected[k] = Math.fround(expected[k] - Math.fround(lr));
    }
    expect(step.stats.deviceReplays).toBeGreaterThan(0);
    expect(Array.from(await w.data())).toEqual(expected);
    T.dispose([g, w]);
    step.dispose();
  });

  it('replays a fused chain (producer substituted into the per-replay call) in one dispatch with patched scalars', async () => {
    const w = new T.Parameter(T.tensor([1, 2, 3], { backend: 'webgpu' }));
    let lr = 0.25;
    const scaled = T.defineElementwise<{ lr: number }>({ name: 'test.scaledStep2', expr: ({ lr: r }) => ({ expr: ex.sub(X, ex.mul(Y, S0)), scalars: [r] }), nonDifferentiable: true });
    const step = T.compile((g: Tensor) => {
      T.noGrad(() => w.assign(T.runOp(scaled, [w, T.mul(g, 2)], () => ({ lr }))));
    });
    const g = T.tensor([1, -1, 0.5], { backend: 'webgpu' });
    const expected = [1, 2, 3];
    const dispatches = () => (T.getBackend('webgpu').info?.() as unknown as { dispatches: number }).dispatches;
    let perReplay = -1;
    for (let i = 0; i < 5; i++) {
      lr = 0.25 / (i + 1);
      const d0 = dispatches();
      T.tidy(() => step(g));
      if (i === 4) perReplay = dispatches() - d0;
      [1, -1, 0.5].forEach((v, k) => (expected[k] = Math.fround(expected[k] - Math.fround(2 * v * Math.fround(lr)))));
    }
    expect(perReplay).toBe(1);
    expect(Array.from(await w.data())).toEqual(expected);
    T.dispose([g, w]);
    step.dispose();
  });
});
