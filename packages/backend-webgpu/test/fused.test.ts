import * as T from '@tessera/core';
import { ex, type Expr, type OpDef, type TensorInfo } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { onBoth, useBackends, values, worstError } from './helpers.js';

// Update ops written like @tessera/optim's (an expression with the attributes as scalars,
// here beside their decomposition): webgpu has no kernel of their names and runs the
// expression in one dispatch; the CPU runs the decomposition as the reference.
const same = (inputs: readonly TensorInfo[]) => ({ shape: [...inputs[0].shape], dtype: inputs[0].dtype });
type Attrs = Readonly<Record<string, number>>;
const [A, B, C] = [ex.input(0), ex.input(1), ex.input(2)];
const [S0, S1] = [ex.scalar(0), ex.scalar(1)];
const op = (name: string, expr: Expr, scalars: (a: Attrs) => number[], decompose: NonNullable<OpDef<Attrs>['decompose']>): OpDef<Attrs> => ({
  name, infer: same, elementwise: (a) => ({ expr, scalars: scalars(a) }), decompose, nonDifferentiable: true,
});
const UPDATES: [OpDef<Attrs>, number, Attrs][] = [
  [op('test.ema', ex.add(ex.mul(A, S0), ex.mul(B, S1)), (a) => [a.decay, a.scale], ([s, x], a) => s.mul(a.decay).add(x.mul(a.scale))), 2, { decay: 0.9, scale: 0.1 }],
  [op('test.sgdStep', ex.sub(A, ex.mul(B, S0)), (a) => [a.lr], ([p, d], a) => p.sub(d.mul(a.lr))), 2, { lr: 0.05 }],
  [op('test.scaledRatio', ex.sub(A, ex.mul(ex.div(B, ex.add(ex.sqrt(C), S1)), S0)), (a) => [a.lr, a.eps], ([p, m, v], a) => p.sub(m.div(v.sqrt().add(a.eps)).mul(a.lr))), 3, { lr: 1e-3, eps: 1e-8 }],
];

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('fused kernels', () => {
  useBackends(testPlugin());

  for (const [def, arity, attrs] of UPDATES) {
    it(`${def.name} (an expression, no kernel) matches its decomposition in one dispatch`, async () => {
      const inputs = Array.from({ length: arity }, (_, k) => ({ data: values(300, 40 + k).map(Math.abs), shape: [3, 100] }));
      const d0 = T.getBackend('webgpu').info?.().dispatches as number;
      const r = await onBoth(inputs, (xs) => (xs[0].backend === 'cpu' ? def.decompose!(xs, attrs) : T.runOp(def, xs, attrs)));
      expect(T.getBackend('webgpu').info?.().dispatches).toBe(d0 + 1);
      expect(worstError(r.gpu, r.cpu, 1e-5, 1e-7)).toBeLessThanOrEqual(1);
    });
  }

  it('softmax and logSoftmax over long contiguous rows (a workgroup per row)', async () => {
    const x = { data: values(3 * 1000, 51).map((v) => v * 30), shape: [3, 1000] };
    for (const f of [T.softmax, T.logSoftmax]) {
      const r = await onBoth([x], ([t]) => f(t));
      expect(worstError(r.gpu, r.cpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }
  });

  it('softmax and logSoftmax along a middle axis of a long row', async () => {
    const x = { data: values(2 * 700 * 3, 50).map((v) => v * 20), shape: [2, 700, 3] };
    for (const f of [T.softmax, T.logSoftmax]) {
      const r = await onBoth([x], ([t]) => f(t, 1));
      expect(worstError(r.gpu, r.cpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }
  });
});

// Cross-entropy: core's softmaxCrossEntropy composite against its decomposition (the CPU
// has no kernel for it, so the CPU runs the decomposition), short rows (a thread per row)
// and long rows (a workgroup per row), with an ignored label.
const CE_ATTRS = { ignoreIndex: -100 };
const ceInputs = (n: number, c: number, seed: number) => {
  const labels = Int32Array.from({ length: n }, (_, i) => (i === 1 ? -100 : (i * 7 + seed) % c));
  return [
    { data: values(n * c, seed).map((v) => v * 8), shape: [n, c] },
    { data: labels, shape: [n], dtype: 'int32' as const },
  ];
};
const dispatches = () => T.getBackend('webgpu').info?.().dispatches as number;

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('fused softmax cross-entropy', () => {
  useBackends(testPlugin());

  for (const [n, c] of [[6, 10], [3, 300]]) {
    it(`forward [${n}, ${c}] matches the decomposition in one dispatch`, async () => {
      const ins = ceInputs(n, c, 3 + c);
      const d0 = dispatches();
      const r = await onBoth(ins, ([x, t]) => T.softmaxCrossEntropy(x, t));
      expect(dispatches()).toBe(d0 + 1);
      expect(r.gpu[1]).toBe(0);
      expect(worstError(r.gpu, r.cpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      const dec = await onBoth(ins, ([x, t]) => T.softmaxCrossEntropyDef.decompose!([x, t], CE_ATTRS));
      expect(worstError(r.gpu, dec.gpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    });

    it(`gradient [${n}, ${c}] matches the decomposition's, the grad op in one dispatch`, async () => {
      const ins = ceInputs(n, c, 5 + c);
      const gradOf = (x: T.Tensor, loss: (x: T.Tensor) => T.Tensor) => {
        const xs = x.requiresGrad_();
        const w = T.tensor(values(n, 9), { backend: x.backend });
        return T.gradients(loss(xs).mul(w).sum(), [xs])[0];
      };
      const fused = await onBoth(ins, ([x, t]) => gradOf(x, (v) => T.softmaxCrossEntropy(v, t)));
      const dec = await onBoth(ins, ([x, t]) => gradOf(x, (v) => T.softmaxCrossEntropyDef.decompose!([v, t], CE_ATTRS)));
      expect(worstError(fused.gpu, dec.gpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
      expect(worstError(fused.gpu, fused.cpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
      expect(Array.from(fused.gpu.slice(c, 2 * c)).every((v) => v === 0)).toBe(true); // ignored row
      const d0 = dispatches();
      const r = await onBoth([...ins, { data: values(n, 9), shape: [n] }], ([x, t, dy]) => T.runOp(T.softmaxCrossEntropyGradDef, [x, t, dy], CE_ATTRS));
      expect(dispatches()).toBe(d0 + 1);
      expect(worstError(r.gpu, fused.gpu, 1e-5, 1e-7)).toBeLessThanOrEqual(1);
    });
  }

  it('an out-of-range label gives NaN forward and a zero gradient row, as the decomposition does', async () => {
    const ins = [{ data: values(8, 4), shape: [2, 4] }, { data: Int32Array.from([1, 7]), shape: [2], dtype: 'int32' as const }];
    const r = await onBoth(ins, ([x, t]) => T.softmaxCrossEntropy(x, t));
    expect(Number.isNaN(r.gpu[1]) && Number.isNaN(r.cpu[1])).toBe(true);
    expect(Math.abs(r.gpu[0] - r.cpu[0])).toBeLessThan(1e-5);
    const g = await onBoth([...ins, { data: Float32Array.from([1, 1]), shape: [2] }], ([x, t, dy]) => T.runOp(T.softmaxCrossEntropyGradDef, [x, t, dy], CE_ATTRS));
    expect(Array.from(g.gpu.slice(4))).toEqual([0, 0, 0, 0]);
    expect(worstError(g.gpu, g.cpu, 1e-5, 1e-7)).toBeLessThanOrEqual(1);
  });

  it('second-order gradients go through the decomposition (createGraph)', async () => {
    const ins = ceInputs(4, 5, 11);
    const hvp = (impl: (x: T.Tensor, t: T.Tensor) => T.Tensor) => ([x, t]: T.Tensor[]) => {
      const xs = x.requiresGrad_();
      const [g] = T.gradients(impl(xs, t).sum(), [xs], undefined, { createGraph: true, retainGraph: true });
      return T.gradients(g.square().sum(), [xs])[0];
    };
    const r = await onBoth(ins, hvp((x, t) => T.softmaxCrossEntropy(x, t)));
    expect(r.gpu.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(worstError(r.gpu, r.cpu, 1e-3, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('one MLP training step needs fewer dispatches with the fused loss than with its decomposition', async () => {
    const o = { backend: 'webgpu' };
    const x = T.tensor(values(16 * 8, 31), { shape: [16, 8], ...o });
    const y = T.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 10), { dtype: 'int32', ...o });
    const ps = T.tidy(() => [T.randn([8, 32], o), T.zeros([32], o), T.randn([32, 10], o), T.zeros([10], o)].map((p) => T.keep(p)));
    const step = (loss: (logits: T.Tensor) => T.Tensor): number => {
      const d0 = dispatches();
      T.tidy(() => {
        const vs = ps.map((p) => p.detach().requiresGrad_());
        const logits = T.add(T.matmul(T.relu(T.add(T.matmul(x, vs[0]), vs[1])), vs[2]), vs[3]);
        const grads = T.gradients(loss(logits).mean(), vs);
        T.noGrad(() => vs.forEach((p, k) => T.sub(p, T.mul(grads[k], 0.1))));
      });
      return dispatches() - d0;
    };
    const fused = step((l) => T.softmaxCrossEntropy(l, y));
    const decomposed = step((l) => T.softmaxCrossEntropyDef.decompose!([l, y], CE_ATTRS));
    console.info(`MLP step dispatches: fused ${fused}, decomposed ${decomposed}`);
    expect(fused).toBeLessThan(decomposed);
    T.dispose([x, y, ...ps]);
  });
});

// biasActivation: core expressions with no kernel here, so the forward and dx are one
// expression dispatch each; dbias (one or two reduction dispatches). Against the CPU (its
// own expression compiler) and, forward, the unfused ops on webgpu.
const BIAS_CASES: [label: string, shape: number[], axis: number][] = [
  ['[6, 5] bias last', [6, 5], 1],
  ['NCHW [2, 3, 4, 4] axis 1', [2, 3, 4, 4], 1],
];

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('fused bias + activation', () => {
  useBackends(testPlugin());

  for (const [label, shape, axis] of BIAS_CASES) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = { data: values(size, 21).map((v) => v * 3), shape };
    const b = { data: values(shape[axis], 22), shape: [shape[axis]] };
    const dy = { data: values(size, 23), shape };
    for (const activation of T.FUSED_ACTIVATIONS) {
      const attrs = { axis, activation };
      it(`${activation} ${label}: forward and dx in one dispatch each, values as the CPU and the unfused ops`, async () => {
        let d0 = dispatches();
        const fwd = await onBoth([x, b], ([xt, bt]) => T.biasActivation(xt, bt, attrs));
        expect(dispatches() - d0).toBe(1);
        expect(worstError(fwd.gpu, fwd.cpu, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
        const unfused = await onBoth([x, b], ([xt, bt]) => {
          const z = xt.add(bt.reshape(shape.map((d, i) => (i === axis ? d : 1))));
          return activation === 'linear' ? z : z[activation]();
        });
        expect(worstError(fwd.gpu, unfused.gpu, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
        const y = { data: fwd.cpu, shape };
        d0 = dispatches();
        const dz = await onBoth([dy, y], ([d, yt]) => T.biasActivationGrad(d, yt, attrs));
        expect(dispatches() - d0).toBe(1);
        expect(worstError(dz.gpu, dz.cpu, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      });
    }

    it(`${label}: dbias by the reduction kernels in place (no transposed copy), one dispatch for [N, F], two for NCHW`, async () => {
      const d0 = dispatches();
      const fused = await onBoth([dy], ([d]) => T.biasAddGrad(d, axis));
      const fusedDispatches = dispatches() - d0;
      expect(fusedDispatches).toBe(shape.length === 2 ? 1 : 2);
      const d1 = dispatches();
      const dec = await onBoth([dy], ([d]) => T.biasAddGradDef.decompose!([d], { axis }));
      console.info(`biasAddGrad ${label} dispatches: fused ${fusedDispatches}, composite ${dispatches() - d1}`);
      expect(worstError(fused.gpu, fused.cpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstError(fused.gpu, dec.gpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  it('autograd through the fused op matches the unfused layers', async () => {
    const shape = [2, 3, 4, 4];
    const ins = [{ data: values(96, 31), shape }, { data: values(3, 32), shape: [3] }, { data: values(96, 33), shape }];
    const grads = (fused: boolean) => ([x, b, w]: T.Tensor[]) => {
      const [xs, bs] = [x.requiresGrad_(), b.requiresGrad_()];
      const y = fused ? T.biasActivation(xs, bs, { axis: 1, activation: 'tanh' }) : xs.add(bs.reshape([1, 3, 1, 1])).tanh();
      const [gx, gb] = T.gradients(y.mul(w).sum(), [xs, bs]);
      return T.concat([gx.flatten(), gb]);
    };
    const f = await onBoth(ins, grads(true));
    const u = await onBoth(ins, grads(false));
    expect(worstError(f.gpu, u.gpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    expect(worstError(f.gpu, f.cpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('one MLP training step needs fewer dispatches with biasActivation than with add + relu', async () => {
    const o = { backend: 'webgpu' };
    const x = T.tensor(values(16 * 8, 41), { shape: [16, 8], ...o });
    const y = T.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 10), { dtype: 'int32', ...o });
    const ps = T.tidy(() => [T.randn([8, 32], o), T.zeros([32], o), T.randn([32, 10], o), T.zeros([10], o)].map((p) => T.keep(p)));
    const step = (fused: boolean): number => {
      const d0 = dispatches();
      T.tidy(() => {
        const vs = ps.map((p) => p.detach().requiresGrad_());
        const h = fused ? T.biasActivation(T.matmul(x, vs[0]), vs[1], { activation: 'relu' }) : T.relu(T.add(T.matmul(x, vs[0]), vs[1]));
        const logits = fused ? T.biasActivation(T.matmul(h, vs[2]), vs[3]) : T.add(T.matmul(h, vs[2]), vs[3]);
        const grads = T.gradients(T.softmaxCrossEntropy(logits, y).mean(), vs);
        T.noGrad(() => vs.forEach((p, k) => T.sub(p, T.mul(grads[k], 0.1))));
      });
      return dispatches() - d0;
    };
    const fused = step(true);
    const unfused = step(false);
    console.info(`MLP step dispatches: biasActivation ${fused}, add + relu ${unfused}`);
    expect(fused).toBeLessThan(unfused);
    T.dispose([x, y, ...ps]);
  });
});
