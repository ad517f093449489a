import * as T from '@tessera/core';
import { Parameter, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/**
 * A dense layer's weight gradient dzᵀ·x ([out, in] weights, as `Linear` stores them) and
 * its bias gradient `biasAddGrad(dz)` run in compiled steps as one two-output GEMM
 * (`matmul` with `onesColumn`; docs/expressions.md). Checked against eager on the same
 * backend and against the CPU, within float32 rounding (the bias sum is added in the GEMM's
 * order instead of the reduction's).
 */
async function train(backend: string, compiled: boolean, steps: number) {
  const o = { backend };
  const init = (shape: number[], k: number) =>
    new Parameter(T.tensor(values(shape.reduce((a, b) => a * b, 1), 40 + k).map((v) => v * 0.4), { shape, ...o }));
  const w1 = init([37, 20], 1); // 20 → 37 → 5: sizes off every tile
  const b1 = init([37], 2);
  const w2 = init([5, 37], 3);
  const b2 = init([5], 4);
  const params = [w1, b1, w2, b2];
  const x = T.tensor(values(19 * 20, 7), { shape: [19, 20], ...o });
  const y = T.tensor(values(19 * 5, 8), { shape: [19, 5], ...o });
  const body = () => {
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    const h = T.biasActivation(x.matmul(w1, { transposeB: true }), b1, { activation: 'relu' });
    const loss = T.biasActivation(h.matmul(w2, { transposeB: true }), b2).sub(y).square().mean();
    loss.backward();
    T.noGrad(() => params.forEach((p) => p.assign(p.sub(p.grad!.mul(0.05)))));
    return loss.detach();
  };
  const step = compiled ? T.compile(body) : body;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const l = T.tidy(() => step());
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const grads = await Promise.all(params.map(async (p) => Float32Array.from((await p.grad!.data()) as Float32Array)));
  const weights = await Promise.all(params.map(async (p) => Float32Array.from((await p.data()) as Float32Array)));
  const calls = compiled ? [...(step as T.CompiledFunction<[], Tensor>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<[], Tensor>).dispose();
  for (const p of params) p.grad?.dispose();
  T.dispose([...params, x, y]);
  return { losses, grads, weights, calls };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('bias gradients inside the weight gradient (webgpu)', () => {
  useBackends(testPlugin());

  it('merges biasAddGrad into the dW matmul and gives eager webgpu’s and the CPU’s numbers within float32 rounding', async () => {
    const eager = await train('webgpu', false, 5);
    const comp = await train('webgpu', true, 5);
    const onCpu = await train('cpu', true, 5);
    expect(comp.calls.filter((c) => c === 'fused(matmul+biasAddGrad)')).toHaveLength(2);
    expect(comp.calls).not.toContain('biasAddGrad');
    expect(onCpu.calls).toContain('biasAddGrad'); // the CPU backend does not merge (no matmulOnesColumn)
    expect(worstError(Float32Array.from(comp.losses), Float32Array.from(eager.losses))).toBeLessThanOrEqual(1);
    for (const run of [eager, onCpu]) {
      comp.grads.forEach((g, k) => expect(worstError(g, run.grads[k])).toBeLessThanOrEqual(1));
      comp.weights.forEach((w, k) => expect(worstError(w, run.weights[k])).toBeLessThanOrEqual(1));
    }
  }, 120_000);
});
