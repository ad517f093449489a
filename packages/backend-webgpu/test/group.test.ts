import * as T from '@tessera/core';
import { Parameter, defineElementwise, ex, runOp, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

// An update rule defined only by an expression: p − lr·g (lr a per-step scalar read
// through an attribute function) and, with a one-element input c, p − c·g.
const p = ex.input(0);
const g = ex.input(1);
const stepDef = defineElementwise<{ lr: number }>({ name: 'test.step', expr: (a) => ({ expr: ex.sub(p, ex.mul(ex.scalar(0), g)), scalars: [a.lr] }) });
const scaledDef = defineElementwise({ name: 'test.scaled', expr: ex.sub(p, ex.mul(ex.input(2), g)) });

const SHAPES = [[7, 5], [5], [1], [3, 4, 2], [300], [2, 9]];

/** Updates every parameter from the gradients given as arguments (no other kernel): `steps` steps. */
async function run(backend: string, compiled: boolean, steps: number, scaled: boolean) {
  const o = { backend };
  const ps = SHAPES.map((s, k) => new Parameter(T.tensor(values(s.reduce((a, b) => a * b, 1), 5 + k), { shape: s, ...o })));
  const gs = SHAPES.map((s, k) => T.tensor(values(s.reduce((a, b) => a * b, 1), 50 + k), { shape: s, ...o }));
  const c = T.tensor([0.25], { ...o });
  const lr = { v: 0.1 };
  const body = (...grads: Tensor[]) =>
    T.noGrad(() =>
      ps.forEach((w, k) =>
        w.assign(scaled ? runOp(scaledDef, [w, grads[k], c], {}) : runOp(stepDef, [w, grads[k]], () => ({ lr: lr.v }))),
      ),
    );
  const step = compiled ? T.compile(body) : body;
  const info = () => (T.getBackend(backend).info?.() as { dispatches?: number }).dispatches ?? 0;
  let perStep = 0;
  for (let s = 0; s < steps; s++) {
    lr.v = 0.1 * 0.9 ** s;
    const before = info();
    T.tidy(() => step(...gs));
    perStep = info() - before;
  }
  const weights = await Promise.all(ps.map(async (w) => Float32Array.from(await w.data())));
  const calls = compiled ? [...(step as T.CompiledFunction<Tensor[], void>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<Tensor[], void>).dispose();
  T.dispose([...ps, ...gs, c]);
  return { weights, perStep, calls };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('grouped updates on webgpu (elementwiseGroup)', () => {
  useBackends(testPlugin());

  for (const scaled of [false, true]) {
    it(`${scaled ? 'p − c·g (a one-element input)' : 'p − lr·g (a per-step scalar)'}: one call, as few dispatches as the bindings allow, eager's numbers`, async () => {
      const eager = await run('webgpu', false, 4, scaled);
      const comp = await run('webgpu', true, 4, scaled);
      comp.weights.forEach((w, k) => expect(w).toEqual(eager.weights[k]));
      expect(comp.calls).toEqual([`group(test.${scaled ? 'scaled' : 'step'}×${SHAPES.length})`]);
      // Each member binds its inputs and its output.
      const inputs = scaled ? 3 : 2;
      const perDispatch = Math.floor(T.getBackend('webgpu').info!().maxStorageBuffersPerShaderStage as number / (inputs + 1));
      expect(comp.perStep).toBe(Math.ceil(SHAPES.length / perDispatch));
      expect(eager.perStep).toBe(SHAPES.length);
      const onCpu = await run('cpu', true, 4, scaled);
      comp.weights.forEach((w, k) => expect(worstError(w, onCpu.weights[k])).toBeLessThanOrEqual(1));
    }, 120_000);
  }
});

// Adam's three update rules, as @tessera/optim writes them: m and v are running averages of
// the gradient and its square, and the parameter step reads both (bias corrections per step).
const [S0, S1, S2, S3] = [ex.scalar(0), ex.scalar(1), ex.scalar(2), ex.scalar(3)];
const emaDef = defineElementwise<{ d: number }>({ name: 'test.ema', expr: (a) => ({ expr: ex.add(ex.mul(p, S0), ex.mul(g, S1)), scalars: [a.d, 1 - a.d] }) });
const emaSqDef = defineElementwise<{ d: number }>({
  name: 'test.emaSq', expr: (a) => ({ expr: ex.add(ex.mul(p, S0), ex.mul(ex.mul(g, g), S1)), scalars: [a.d, 1 - a.d] }),
});
const adamDef = defineElementwise<{ bc1: number; bc2: number }>({
  name: 'test.adam',
  expr: (a) => ({
    expr: ex.sub(p, ex.mul(ex.div(ex.div(g, S2), ex.add(ex.sqrt(ex.div(ex.input(2), S3)), S1)), S0)),
    scalars: [0.01, 1e-8, a.bc1, a.bc2],
  }),
});

/** `steps` Adam steps of every parameter from the gradients given as arguments. */
async function adam(backend: string, compiled: boolean, steps: number) {
  const o = { backend };
  const make = (s: number[], seed: number, f = (x: number) => x) =>
    T.tensor(values(s.reduce((a, b) => a * b, 1), seed).map(f), { shape: s, ...o });
  const ps = SHAPES.map((s, k) => new Parameter(make(s, 5 + k)));
  const ms = SHAPES.map((s, k) => new Parameter(make(s, 20 + k)));
  const vs = SHAPES.map((s, k) => new Parameter(make(s, 35 + k, Math.abs)));
  const gs = SHAPES.map((s, k) => make(s, 50 + k));
  // The step count is host state read through the attribute function (as optimizers do).
  const t = { v: 0 };
  const body = (...grads: Tensor[]) =>
    T.noGrad(() => {
      ps.forEach((w, k) => {
        const m = ms[k].assign(runOp(emaDef, [ms[k], grads[k]], { d: 0.9 }));
        const v = vs[k].assign(runOp(emaSqDef, [vs[k], grads[k]], { d: 0.999 }));
        w.assign(runOp(adamDef, [w, m, v], () => ({ bc1: 1 - 0.9 ** t.v, bc2: 1 - 0.999 ** t.v })));
      });
    });
  const step = compiled ? T.compile(body) : body;
  const info = () => (T.getBackend(backend).info?.() as { dispatches?: number }).dispatches ?? 0;
  let perStep = 0;
  for (let s = 0; s < steps; s++) {
    t.v = s + 1;
    const before = info();
    T.tidy(() => step(...gs));
    perStep = info() - before;
  }
  const weights = await Promise.all([...ps, ...ms, ...vs].map(async (w) => Float32Array.from(await w.data())));
  const calls = compiled ? [...(step as T.CompiledFunction<Tensor[], void>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<Tensor[], void>).dispose();
  T.dispose([...ps, ...ms, ...vs, ...gs]);
  return { weights, perStep, calls };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('Adam as multi-output members on webgpu', () => {
  useBackends(testPlugin());

  it('m, v and the parameter in one pass per parameter, one grouped call, eager’s numbers', async () => {
    const eager = await adam('webgpu', false, 4);
    const comp = await adam('webgpu', true, 4);
    expect(comp.calls).toEqual([`group(fused(test.emaSq+test.ema+test.adam)×${SHAPES.length})`]);
    // Each member binds 4 inputs (θ, m, v, g) and 3 outputs (θ′, m′, v′).
    const perDispatch = Math.floor(T.getBackend('webgpu').info!().maxStorageBuffersPerShaderStage as number / 7);
    expect(comp.perStep).toBe(Math.ceil(SHAPES.length / perDispatch));
    expect(eager.perStep).toBe(3 * SHAPES.length);
    // Bit for bit on SwiftShader; within float32 rounding wherever a compiler contracts differently.
    comp.weights.forEach((w, k) => expect(worstError(w, eager.weights[k])).toBeLessThanOrEqual(1));
    const onCpu = await adam('cpu', true, 4);
    expect(onCpu.calls).toEqual(comp.calls);
    comp.weights.forEach((w, k) => expect(worstError(w, onCpu.weights[k])).toBeLessThanOrEqual(1));
  }, 120_000);
});
