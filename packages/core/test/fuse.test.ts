import { describe, expect, it } from 'vitest';
import {
  Parameter, compile, defineElementwise, elementwise, ex, memory, noGrad, randn, runOp, tensor, tidy, type Tensor,
} from '@tessera/core';
import * as core from '@tessera/core';
import { CpuStorage, cpu } from '@tessera/backend-cpu';
import { expectFiniteDifferences } from './grad-check.js';
import { useCpu } from './setup.js';

useCpu();

// Plugin-style ops defined only by expressions: the CPU backend has no kernel of these
// names, so they run through its `elementwise` kernel and are fusable in compiled steps.
const x = ex.input(0);
const y = ex.input(1);
const swishDef = defineElementwise({ name: 'test.swish', expr: ex.mul(x, ex.div(1, ex.add(1, ex.exp(ex.neg(x))))) });
const axpyDef = defineElementwise<{ a: number }>({ name: 'test.axpy', expr: (attrs) => ({ expr: ex.add(ex.mul(x, ex.scalar(0)), y), scalars: [attrs.a] }) });
const sqDef = defineElementwise({ name: 'test.sq', expr: ex.mul(x, x) });
const swish = (t: Tensor) => runOp(swishDef, [t], {});
const sq = (t: Tensor) => runOp(sqDef, [t], {});
const axpy = (a: Tensor, b: Tensor, s: number | (() => { a: number })) => runOp(axpyDef, [a, b], typeof s === 'number' ? { a: s } : s);

describe('defineElementwise: an op with no kernel', () => {
  it('runs through the elementwise kernel, with a derived gradient (finite differences, float64)', () => {
    const t = tensor([-2, -0.5, 0, 0.7, 3], { dtype: 'float64', requiresGrad: true });
    const want = [-2, -0.5, 0, 0.7, 3].map((v) => v / (1 + Math.exp(-v)));
    tidy(() => Array.from(swish(t).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14)));
    const b = tensor([1, 2, 3, 4, 5], { dtype: 'float64', requiresGrad: true });
    expectFiniteDifferences(() => axpy(swish(t), sq(b), 0.3).sum(), [t, b]);
  });

  it('checks dtypes with the op name', () => {
    expect(() => swish(tensor([1, 2], { dtype: 'int32' }))).toThrow(/test\.swish: expects a float dtype/);
  });
});

describe('compiled steps fuse elementwise chains', () => {
  const chain = (a: Tensor, b: Tensor) => axpy(axpy(swish(sq(a)), swish(b), 0.5), b, 3);

  it('a chain of elementwise ops becomes one kernel with the same values', () => {
    const a = randn([4, 5]);
    const b = randn([4, 5]);
    const eager = tidy(() => chain(a, b).dataSync());
    const f = compile(chain);
    for (let i = 0; i < 3; i++) tidy(() => expect(f(a, b).dataSync()).toEqual(eager));
    expect(f.stats.kernels).toBe(1);
    const unfused = compile(chain, { fuse: false });
    for (let i = 0; i < 2; i++) tidy(() => expect(unfused(a, b).dataSync()).toEqual(eager));
    expect(unfused.stats.kernels).toBe(5);
    a.dispose();
    b.dispose();
  });

  it('keeps a value read twice and a broadcast intermediate as their own kernels, a returned one as a second output', () => {
    const a = randn([3, 4]);
    const row = randn([1, 4]);
    const two = (t: Tensor) => {
      const s = swish(t); // two readers: stays a kernel
      return elementwise(ex.mul(x, y), [elementwise(ex.add(x, 1), [s]), elementwise(ex.sub(x, 1), [s])]);
    };
    const twice = compile(two);
    const eager2 = tidy(() => two(a).dataSync());
    for (let i = 0; i < 2; i++) tidy(() => expect(twice(a).dataSync()).toEqual(eager2));
    expect(twice.stats.kernels).toBe(2); // swish; add and sub fused into mul
    // A returned value that another call reads: one kernel with two outputs (siblings.ts).
    const pair = (t: Tensor) => { const s = swish(t); return [s, sq(s)]; };
    const both = compile(pair);
    const eagerPair = tidy(() => pair(a).map((r) => r.dataSync()));
    for (let i = 0; i < 2; i++) tidy(() => both(a).forEach((r, k) => expect(r.dataSync()).toEqual(eagerPair[k])));
    expect(both.stats.kernels).toBe(1);
    const bc = (r: Tensor, t: Tensor) => axpy(sq(r), t, 1); // sq(r) is [1, 4], read broadcast
    const bcast = compile(bc);
    for (let i = 0; i < 2; i++) tidy(() => expect(bcast(row, a).dataSync()).toEqual(tidy(() => bc(row, a).dataSync())));
    expect(bcast.stats.kernels).toBe(2);
    a.dispose();
    row.dispose();
  });

  it('recomputes one-element values in each reader (a loss mean’s bookkeeping), of any shape, and drops them', () => {
    const a = randn([3, 4]);
    const mean = (t: Tensor) => {
      const count = t.sum(); // a reduction: stays
      const empty = elementwise(ex.eq(x, 0), [count]); // one element, three readers
      const safe = elementwise(ex.select(x, 1, y), [empty, count]); // one element, two readers
      const shaped = elementwise(ex.mul(x, 1), [safe]).reshape([1, 1]); // [1, 1] read by [3, 4]
      const u = elementwise(ex.select(x, Number.NaN, ex.div(y, ex.input(2))), [empty, t, safe]);
      const v = elementwise(ex.select(x, 0, ex.mul(y, ex.input(2))), [empty, t, shaped]);
      return [u, v];
    };
    const eager = tidy(() => mean(a).map((t) => t.dataSync()));
    const step = compile(mean);
    for (let i = 0; i < 3; i++) tidy(() => step(a).forEach((t, k) => expect(t.dataSync()).toEqual(eager[k])));
    expect(step.stats.calls).toEqual(['sum', 'fused(elementwise+elementwise+elementwise+elementwise)', 'fused(elementwise+elementwise+elementwise+elementwise+elementwise)']);
    // A one-element value that is also returned stays.
    const kept = compile((t: Tensor) => { const s = elementwise(ex.mul(x, 2), [t.sum()]); return [s, elementwise(ex.add(x, y), [t, s])]; });
    for (let i = 0; i < 2; i++) tidy(() => kept(a));
    expect(kept.stats.kernels).toBe(3);
    a.dispose();
  });

  it('re-reads per-step scalars of fused calls (a scheduled learning rate)', () => {
    const p = new Parameter(tensor([1, 2, 3, 4]));
    const lr = { value: 0.1 };
    const step = compile((g: Tensor) => {
      noGrad(() => p.assign(axpy(swish(g), p, () => ({ a: -lr.value }))));
      return p.sum().detach();
    });
    const g = tensor([0.5, -0.5, 1, 2]);
    const ref = Float32Array.from([1, 2, 3, 4]);
    const sw = Array.from(tidy(() => swish(g).dataSync()));
    for (let i = 0; i < 4; i++) {
      lr.value = 0.1 * (i + 1);
      tidy(() => step(g));
      for (let j = 0; j < 4; j++) ref[j] = Math.fround(Math.fround(sw[j] * Math.fround(-lr.value)) + ref[j]);
      expect(Array.from(p.dataSync())).toEqual(Array.from(ref));
    }
    expect(step.stats.kernels).toBe(2); // swish and axpy fused; the sum
    expect(step.stats.replays).toBeGreaterThan(0);
    g.dispose();
    p.dispose();
  });

  it('fuses inside a training step (forward and backward) without leaking', () => {
    const w = new Parameter(randn([8]));
    const x0 = randn([8]);
    const step = compile((t: Tensor) => {
      w.grad?.dispose();
      w.grad = null;
      const loss = elementwise(ex.mul(ex.input(0), ex.input(1)), [swish(w), t]).square().sum();
      loss.backward();
      noGrad(() => w.assign(axpy(w.grad!, w, -0.01)));
      return loss.detach();
    });
    const before = memory().numTensors;
    for (let i = 0; i < 5; i++) step(x0).dispose();
    expect(memory().numTensors).toBe(before + 1); // w.grad is kept by the step
    expect(step.stats.lastProblem).toBeNull();
    w.grad?.dispose();
    w.dispose();
    x0.dispose();
  });
});

describe('epilogues: an elementwise reader of a matmul becomes the kernel’s epilogue', () => {
  it('fuses bias + activation (+ residual) into a backend kernel that accepts epilogues, with the same values', () => {
    const base = cpu().createSync!();
    const plain = base.kernels.matmul as unknown as core.Kernel<core.PrimitiveAttrs['matmul'] & { epilogue?: core.EpilogueAttrs }>;
    const seen: string[] = [];
    // A backend whose matmul applies the epilogue to its result (here after the GEMM; a
    // real backend applies it while the output tile is in registers).
    const matmul: core.Kernel<core.PrimitiveAttrs['matmul'] & { epilogue?: core.EpilogueAttrs }> = (ctx) => {
      const { epilogue, ...attrs } = ctx.attrs;
      const own = ctx.inputs.slice(0, 2);
      const raw = plain({ ...ctx, inputs: own, attrs, out: { ...ctx.out, dtype: own[0].dtype } });
      if (!epilogue) return raw;
      seen.push(core.lowerExpr(epilogue.expr, [own[0].dtype, ...ctx.inputs.slice(2).map((t) => t.dtype)]).key);
      const vals = (id: object) => (id as CpuStorage).values;
      const operands = [{ values: vals(raw), shape: ctx.out.shape }, ...ctx.inputs.slice(2).map((t) => ({ values: vals(t.dataId), shape: t.shape }))];
      const lowered = core.lowerExpr(epilogue.expr, [own[0].dtype, ...ctx.inputs.slice(2).map((t) => t.dtype)]);
      base.free(raw);
      return new CpuStorage(core.evalExpr(lowered, operands, ctx.out.shape, epilogue.scalars));
    };
    const impl: core.BackendImpl = { ...base, name: 'cpu-epi', epilogueKernels: new Set(['matmul']), kernels: { ...base.kernels, matmul: matmul as core.AnyKernel } };
    core.use({ kind: 'backend', name: 'cpu-epi', priority: -1, coreApi: core.CORE_API_VERSION, create: async () => impl, createSync: () => impl });
    const on = (t: core.Tensor) => t.to('cpu-epi');
    const xs = on(randn([5, 4]));
    const w = on(randn([4, 3]));
    const bias = on(randn([3]));
    const res = on(randn([5, 3]));
    const relu = (t: Tensor) => elementwise(ex.select(ex.lt(x, 0), 0, x), [t]);
    const block = (a: Tensor) => relu(elementwise(ex.add(ex.add(x, y), ex.input(2)), [a.matmul(w), bias, res]));
    const eager = tidy(() => block(xs).dataSync());
    const step = compile(block);
    for (let i = 0; i < 3; i++) tidy(() => expect(step(xs).dataSync()).toEqual(eager));
    expect(step.stats.kernels).toBe(1);
    expect(step.stats.calls).toEqual(['fused(matmul+elementwise+elementwise)']);
    expect(seen.length).toBeGreaterThan(0);
    // A scalar-carrying reader (per-replay attributes) and a second reader stop the fusion where they must.
    const scale = { v: 2 };
    const scaled = compile((a: Tensor) => axpy(a.matmul(w), res, () => ({ a: scale.v })));
    for (const v of [2, 3, 4]) {
      scale.v = v;
      const want = tidy(() => axpy(xs.matmul(w), res, v).dataSync());
      tidy(() => expect(scaled(xs).dataSync()).toEqual(want));
    }
    expect(scaled.stats.kernels).toBe(1);
    // A reader that sees the product reshaped (a flatten's gradient) joins the epilogue when
    // its other inputs are full-size (presented in the product's shape), not when one broadcasts.
    const mask = (full: Tensor) => (a: Tensor) => elementwise(ex.select(ex.gt(y, 0), x, 0), [a.matmul(w).reshape([5, 3, 1]), full]);
    const res3 = res.reshape([5, 3, 1]);
    const row = on(randn([3, 1]));
    for (const [other, kernels] of [[res3, 1], [row, 2]] as const) {
      const f = mask(other);
      const want = tidy(() => f(xs).dataSync());
      const viewed = compile(f);
      for (let i = 0; i < 2; i++) tidy(() => expect(viewed(xs).dataSync()).toEqual(want));
      expect(viewed.stats.kernels).toBe(kernels);
    }
    core.dispose([res3, row]);
    const shared = compile((a: Tensor) => { const m = a.matmul(w); return [relu(m), m]; });
    for (let i = 0; i < 2; i++) tidy(() => shared(xs));
    expect(shared.stats.kernels).toBe(2);
    // Training on a backend with only the `elementwise` kernel for expression ops (as on
    // WebGPU): relu's gradient reads relu's output, so relu's input has one reader and relu
    // joins the epilogue; loss and gradients equal eager ones.
    const exprOnly = Object.fromEntries(Object.entries(impl.kernels).filter(([n]) => !(core.elementwiseDefs as Record<string, core.OpDef<unknown>>)[n]?.elementwise));
    const impl2: core.BackendImpl = { ...impl, name: 'cpu-epi-expr', kernels: exprOnly };
    core.use({ kind: 'backend', name: 'cpu-epi-expr', priority: -1, coreApi: core.CORE_API_VERSION, create: async () => impl2, createSync: () => impl2 });
    const on2 = (t: core.Tensor) => t.to('cpu-epi-expr');
    const [x2, b2] = [on2(xs), on2(bias)];
    const wp = new Parameter(on2(w));
    const train = (a: Tensor) => {
      wp.grad?.dispose();
      wp.grad = null;
      const loss = a.matmul(wp).add(b2).relu().square().sum();
      loss.backward();
      return loss.detach();
    };
    const wantLoss = tidy(() => train(x2).dataSync());
    const wantGrad = wp.grad!.dataSync();
    const tstep = compile(train);
    for (let i = 0; i < 3; i++) {
      tidy(() => expect(tstep(x2).dataSync()).toEqual(wantLoss));
      expect(wp.grad!.dataSync()).toEqual(wantGrad);
    }
    expect(tstep.stats.calls[0]).toBe('fused(matmul+add+relu)');
    core.dispose([x2, b2, wp]);
    wp.grad?.dispose();
    core.dispose([xs, w, bias, res]);
  });
});

describe('grouped updates: independent calls of one expression become one multi-output call', () => {
  // Three parameters of different shapes, each updated with the same expression and a
  // per-step learning rate read through an attribute function (a schedule).
  const run = (compiled: boolean | 'nofuse', steps: number) => {
    const ps = [new Parameter(randn([4, 3])), new Parameter(randn([3])), new Parameter(randn([2, 2, 2]))];
    const xs = [randn([4, 3]), randn([3]), randn([2, 2, 2])];
    const lr = { v: 0.1 };
    const body = () => {
      for (const p of ps) {
        p.grad?.dispose();
        p.grad = null;
      }
      const loss = ps.map((p, i) => swish(elementwise(ex.mul(x, y), [p, xs[i]])).sum()).reduce((a, b) => a.add(b));
      loss.backward();
      noGrad(() => ps.forEach((p) => p.assign(axpy(p.grad!, p, () => ({ a: -lr.v })))));
      return loss.detach();
    };
    const step = compiled === false ? body : compile(body, { fuse: compiled === true });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      lr.v = 0.1 / (i + 1);
      tidy(() => losses.push(step().dataSync()[0]));
    }
    const weights = ps.map((p) => Array.from(p.dataSync()));
    const stats = compiled === false ? null : (step as ReturnType<typeof compile>).stats;
    for (const t of [...ps, ...xs]) {
      (t as Parameter).grad?.dispose();
      t.dispose();
    }
    return { losses, weights, stats };
  };

  it('gives the same losses and weights as eager and as unfused (bit for bit), with one group call', () => {
    core.manualSeed(7);
    const eager = run(false, 6);
    core.manualSeed(7);
    const grouped = run(true, 6);
    core.manualSeed(7);
    const plain = run('nofuse', 6);
    expect(grouped.losses).toEqual(eager.losses);
    expect(grouped.weights).toEqual(eager.weights);
    expect(plain.weights).toEqual(eager.weights);
    // Each update computes its parameter's gradient too (the gradient escapes: a second output,
    // see siblings.ts), and the three are one group; so are the loss gradient's broadcasts.
    expect(grouped.stats!.calls.filter((c) => c.startsWith('group('))).toEqual([
      'group(broadcastTo×3)', 'group(fused(elementwise+elementwise+test.axpy)×3)',
    ]);
    expect(grouped.stats!.calls.filter((c) => c === 'test.axpy')).toEqual([]);
    expect(plain.stats!.calls.filter((c) => c === 'test.axpy')).toHaveLength(3);
  });

  it('keeps live tensors flat over steps', () => {
    const w = [new Parameter(randn([5])), new Parameter(randn([5]))];
    const step = compile(() => {
      for (const p of w) {
        p.grad?.dispose();
        p.grad = null;
      }
      const loss = w[0].mul(w[1]).sum();
      loss.backward();
      noGrad(() => w.forEach((p) => p.assign(axpy(p.grad!, p, -0.01))));
      return loss.detach();
    });
    step().dispose();
    const before = memory().numTensors;
    for (let i = 0; i < 20; i++) step().dispose();
    expect(memory().numTensors).toBe(before);
    expect(step.stats.calls).toContain('group(fused(mul+test.axpy)×2)');
    for (const p of w) {
      p.grad?.dispose();
      p.dispose();
    }
  });

  it('leaves out a call whose output is read before the last member runs', () => {
    const a = randn([3]);
    const b = randn([3]);
    const f = compile((s: Tensor, t: Tensor) => {
      const u = axpy(s, t, 2); // read by the next call: cannot wait for the group
      const v = axpy(u, s, 3);
      const w = axpy(t, s, 4);
      return [v, w];
    });
    const eager = tidy(() => {
      const u = axpy(a, b, 2);
      return [axpy(u, a, 3).dataSync(), axpy(b, a, 4).dataSync()];
    });
    for (let i = 0; i < 2; i++) tidy(() => f(a, b).forEach((r, k) => expect(r.dataSync()).toEqual(eager[k])));
    expect(f.stats.calls).toEqual(['fused(test.axpy+test.axpy)', 'test.axpy']);
    a.dispose();
    b.dispose();
  });
});
