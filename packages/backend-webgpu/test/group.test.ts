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
