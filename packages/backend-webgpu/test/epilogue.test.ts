import * as T from '@tessera/core';
import { ex, type EpilogueAttrs, type Expr, type Tensor, type TensorData, type TypedArray } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/**
 * Epilogues (docs/expressions.md): matmul and conv2d apply an elementwise expression of
 * their own result (input 0) and extra inputs in their store. Checked by calling the
 * kernels with an `epilogue` attribute against the CPU's unfused kernel + elementwise, and
 * through compiled steps (fused) against eager runs (unfused), on WebGPU.
 */

const run = !unavailable || REQUIRE_GPU;
if (run) useBackends(testPlugin({ maxWorkgroupsPerDimension: 64 }));

const R = ex.input(0);
const relu = (e: Expr): Expr => ex.select(ex.lt(e, 0), 0, e);

/** A tensor's view for a kernel call (`shape` overrides, as `ElementwiseAttrs.shapes` does). */
const data = (t: Tensor, shape: readonly number[] = t.shape): TensorData => ({ dataId: t.storage.dataId, shape, dtype: t.dtype, size: t.size });

interface Extra {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** The shape the kernel sees (a view, e.g. [C, 1, 1] for a bias along NCHW's C). */
  readonly view?: readonly number[];
}

/**
 * Runs kernel `op` on webgpu with `epilogue` and `extras` appended to `own`; returns its
 * values and the CPU's: the op eagerly, then `elementwise(epilogue)` over the views.
 */
async function compare(op: 'matmul' | 'conv2d' | 'conv2dBackpropInput' | 'maxPool2d' | 'avgPool2d', own: readonly { data: Float32Array; shape: number[] }[], attrs: object, extras: readonly Extra[], epilogue: EpilogueAttrs, outShape: readonly number[]) {
  const cpuOp = (xs: Tensor[]) => T.runOp(T.primitiveDefs[op] as unknown as T.OpDef<object>, xs, attrs);
  const want = T.tidy(() => {
    const xs = own.map((o) => T.tensor(o.data, { shape: o.shape, backend: 'cpu' }));
    const es = extras.map((e) => T.tensor(e.data, { shape: e.shape, backend: 'cpu' }).reshape([...(e.view ?? e.shape)]));
    return T.elementwise(epilogue.expr, [cpuOp(xs), ...es], epilogue.scalars).dataSync();
  });
  const impl = T.getBackend('webgpu');
  const xs = own.map((o) => T.tensor(o.data, { shape: o.shape, backend: 'webgpu' }));
  const es = extras.map((e) => T.tensor(e.data, { shape: e.shape, backend: 'webgpu' }));
  const dtype = T.lowerExpr(epilogue.expr, ['float32', ...extras.map(() => 'float32' as const)]).dtype;
  const size = outShape.reduce((a, b) => a * b, 1);
  const kernel = impl.kernels[op] as unknown as T.Kernel<object>;
  const before = Number(impl.info!().dispatches);
  const id = kernel({ backend: impl, inputs: [...xs.map((t) => data(t)), ...es.map((t, k) => data(t, extras[k].view))], attrs: { ...attrs, epilogue }, out: { shape: outShape, dtype, size } });
  const n = Number(impl.info!().dispatches) - before;
  const got = await impl.read(id, dtype, size);
  impl.free(id);
  T.dispose([...xs, ...es]);
  return { got, want, dispatches: n };
}

const close = (got: TypedArray, want: TypedArray, rtol = 1e-4, atol = 1e-4) => {
  expect(got.length).toBe(want.length);
  expect(worstError(got, want, rtol, atol)).toBeLessThanOrEqual(1);
};

describe.skipIf(!run)('matmul epilogues (kernel calls)', () => {
  const mm = (Ba: number, M: number, K: number, N: number, tA = false, tB = false) => ({
    own: [
      { data: values(Ba * M * K, 3), shape: tA ? [Ba, K, M] : [Ba, M, K] },
      { data: values(K * N, 5), shape: tB ? [1, N, K] : [1, K, N] },
    ],
    attrs: { transposeA: tA, transposeB: tB },
  });

  it('bias + relu, residual and a scalar scale, on aligned and ragged shapes, transposed operands, batches', async () => {
    const cases = [
      [1, 64, 32, 64, false, false],
      [1, 37, 19, 23, false, false],
      [3, 17, 9, 70, true, false],
      [2, 33, 40, 5, false, true],
    ] as const;
    for (const [Ba, M, K, N, tA, tB] of cases) {
      const p = mm(Ba, M, K, N, tA, tB);
      const bias = { data: values(N, 7), shape: [N] };
      const res = { data: values(Ba * M * N, 9), shape: [Ba, M, N] };
      // relu(r + bias) · s + residual, s a run-time scalar
      const expr = ex.add(ex.mul(relu(ex.add(R, ex.input(1))), ex.scalar(0)), ex.input(2));
      const { got, want, dispatches } = await compare('matmul', p.own, p.attrs, [bias, res], { expr, scalars: [0.75] }, [Ba, M, N]);
      close(got, want);
      expect(dispatches).toBe(1); // applied in the GEMM's store
    }
  });

  it('an epilogue with no extra inputs, one that changes the dtype (bool), a bias seen as [1, 1, N]', async () => {
    const p = mm(1, 20, 12, 30);
    const sq = await compare('matmul', p.own, p.attrs, [], { expr: ex.mul(R, R), scalars: [] }, [1, 20, 30]);
    close(sq.got, sq.want);
    const mask = await compare('matmul', p.own, p.attrs, [], { expr: ex.gt(R, ex.scalar(0)), scalars: [0.1] }, [1, 20, 30]);
    expect(Array.from(mask.got)).toEqual(Array.from(mask.want));
    const bias = { data: values(30, 2), shape: [30], view: [1, 1, 30] };
    const b = await compare('matmul', p.own, p.attrs, [bias], { expr: ex.add(R, ex.input(1)), scalars: [] }, [1, 20, 30]);
    close(b.got, b.want);
    expect([sq.dispatches, mask.dispatches, b.dispatches]).toEqual([1, 1, 1]);
  });

  it('split-K products (long K, few tiles) and empty K apply the epilogue after the sum', async () => {
    const p = mm(1, 4, 4096, 4);
    const bias = { data: values(4, 4), shape: [4] };
    const long = await compare('matmul', p.own, p.attrs, [bias], { expr: relu(ex.add(R, ex.input(1))), scalars: [] }, [1, 4, 4]);
    close(long.got, long.want, 1e-3, 1e-3);
    expect(long.dispatches).toBe(3); // partial products, their sum, the epilogue
    const e = mm(1, 3, 0, 5);
    const empty = await compare('matmul', e.own, e.attrs, [{ data: values(5, 6), shape: [5] }], { expr: ex.add(R, ex.input(1)), scalars: [] }, [1, 3, 5]);
    close(empty.got, empty.want);
  });
});

describe.skipIf(!run)('conv2d epilogues (kernel calls)', () => {
  it('bias seen as [O, 1, 1] + relu + residual, strided, padded and grouped', async () => {
    const cases = [
      { N: 2, C: 3, H: 9, W: 8, O: 5, k: 3, stride: 1, pad: 1, groups: 1 },
      { N: 1, C: 4, H: 10, W: 10, O: 6, k: 3, stride: 2, pad: 0, groups: 2 },
    ];
    for (const c of cases) {
      const Ho = Math.floor((c.H + 2 * c.pad - c.k) / c.stride) + 1;
      const Wo = Math.floor((c.W + 2 * c.pad - c.k) / c.stride) + 1;
      const own = [
        { data: values(c.N * c.C * c.H * c.W, 11), shape: [c.N, c.C, c.H, c.W] },
        { data: values((c.O * c.C * c.k * c.k) / c.groups, 13), shape: [c.O, c.C / c.groups, c.k, c.k] },
      ];
      const attrs = { strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilations: [1, 1], groups: c.groups };
      const out = [c.N, c.O, Ho, Wo];
      const bias = { data: values(c.O, 17), shape: [c.O], view: [c.O, 1, 1] };
      const res = { data: values(c.N * c.O * Ho * Wo, 19), shape: out };
      const expr = ex.add(relu(ex.add(R, ex.input(1))), ex.mul(ex.input(2), ex.scalar(0)));
      const { got, want, dispatches } = await compare('conv2d', own, attrs, [bias, res], { expr, scalars: [-0.5] }, out);
      close(got, want);
      expect(dispatches).toBe(1);
    }
  });
});

describe.skipIf(!run)('pooling and conv2dBackpropInput epilogues (kernel calls)', () => {
  it('maxPool2d + relu, avgPool2d + scaled residual, dx of a convolution + the activation gradient before it', async () => {
    const x = { data: values(2 * 3 * 9 * 9, 41), shape: [2, 3, 9, 9] };
    const pool = { kernel: [2, 2], strides: [2, 2], pads: [0, 1, 0, 1] };
    const out = [2, 3, 5, 5];
    const mx = await compare('maxPool2d', [x], pool, [], { expr: relu(ex.sub(R, 0.1)), scalars: [] }, out);
    close(mx.got, mx.want);
    const res = { data: values(2 * 3 * 5 * 5, 42), shape: out };
    const av = await compare('avgPool2d', [x], { ...pool, countIncludePad: false }, [res], { expr: ex.add(R, ex.mul(ex.input(1), ex.scalar(0))), scalars: [3] }, out);
    close(av.got, av.want);
    // dx = conv2dBackpropInput(dy, w), then select(y > 0, dx, 0) with y the activation's output
    const dy = { data: values(2 * 4 * 5 * 5, 43), shape: [2, 4, 5, 5] };
    const w = { data: values(4 * 3 * 3 * 3, 44), shape: [4, 3, 3, 3] };
    const y = { data: values(2 * 3 * 9 * 9, 45), shape: [2, 3, 9, 9] };
    const conv = { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, inputShape: [2, 3, 9, 9] };
    const dx = await compare('conv2dBackpropInput', [dy, w], conv, [y], { expr: ex.select(ex.gt(ex.input(1), 0), R, 0), scalars: [] }, [2, 3, 9, 9]);
    close(dx.got, dx.want);
    expect([mx.dispatches, av.dispatches, dx.dispatches]).toEqual([1, 1, 1]);
  });
});

/** Dispatches the webgpu backend issued while `fn` ran (its `info().dispatches`). */
async function dispatches(fn: () => Promise<void>): Promise<number> {
  const info = () => Number(T.getBackend('webgpu').info!().dispatches);
  await T.getBackend('webgpu').sync!();
  const before = info();
  await fn();
  return info() - before;
}

describe.skipIf(!run)('compiled steps fuse elementwise readers into matmul and conv (device recordings)', () => {
  it('an MLP block (bias + relu + residual) and a conv block (biasActivation) run as one kernel each, equal to eager', async () => {
    const o = { backend: 'webgpu' };
    const x = T.tensor(values(16 * 24, 21), { shape: [16, 24], ...o });
    const w = T.tensor(values(24 * 24, 22), { shape: [24, 24], ...o });
    const b = T.tensor(values(24, 23), { shape: [24], ...o });
    const mlp = (t: Tensor) => t.matmul(w).add(b).relu().add(t);
    const eager = await T.tidy(() => mlp(x)).data();
    const step = T.compile(mlp);
    for (let i = 0; i < 4; i++) {
      const y = step(x);
      close(await y.data(), eager, 1e-5, 1e-5);
      y.dispose();
    }
    expect(step.stats.kernels).toBe(1);
    expect(step.stats.deviceReplays).toBeGreaterThan(0);
    const n = await dispatches(async () => (await step(x).data(), undefined));
    expect(n).toBe(1);

    const img = T.tensor(values(2 * 3 * 8 * 8, 24), { shape: [2, 3, 8, 8], ...o });
    const f = T.tensor(values(4 * 3 * 3 * 3, 25), { shape: [4, 3, 3, 3], ...o });
    const cb = T.tensor(values(4, 26), { shape: [4], ...o });
    const conv = (t: Tensor) => T.biasActivation(T.conv2d(t, f, { padding: 1 }), cb, { axis: 1, activation: 'relu' });
    const eagerConv = await T.tidy(() => conv(img)).data();
    const cstep = T.compile(conv);
    for (let i = 0; i < 3; i++) {
      const y = cstep(img);
      close(await y.data(), eagerConv, 1e-5, 1e-5);
      y.dispose();
    }
    expect(cstep.stats.kernels).toBe(1);
    expect(cstep.stats.deviceReplays).toBeGreaterThan(0);
    T.dispose([x, w, b, img, f, cb]);
  });

  it('a per-replay scalar in an epilogue is patched into the recording at every replay', async () => {
    const o = { backend: 'webgpu' };
    const x = T.tensor(values(8 * 12, 31), { shape: [8, 12], ...o });
    const w = T.tensor(values(12 * 10, 32), { shape: [12, 10], ...o });
    const r = T.tensor(values(8 * 10, 33), { shape: [8, 10], ...o });
    const axpy = T.defineElementwise<{ a: number }>({ name: 'test.epi.axpy', expr: (a) => ({ expr: ex.add(ex.mul(ex.input(0), ex.scalar(0)), ex.input(1)), scalars: [a.a] }) });
    const scale = { a: 2 };
    const step = T.compile((t: Tensor) => T.runOp(axpy, [t.matmul(w), r], () => ({ a: scale.a })));
    for (const a of [2, -3, 0.5, 7]) {
      scale.a = a;
      const want = await T.tidy(() => T.runOp(axpy, [x.matmul(w), r], { a })).data();
      const y = step(x);
      close(await y.data(), want, 1e-5, 1e-5);
      y.dispose();
    }
    expect(step.stats.kernels).toBe(1);
    expect(step.stats.deviceReplays).toBeGreaterThan(1);
    T.dispose([x, w, r]);
  });
});
