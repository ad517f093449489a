import * as T from '@tessera/core';
import { Parameter, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/**
 * Bias gradients inside the weight gradient (docs/expressions.md): a dense layer's dzᵀ·x
 * ([out, in] weights, as `Linear` stores them) and its `biasAddGrad(dz)` run in compiled
 * steps as one two-output GEMM (`matmul` with `onesColumn`), and a convolution's filter
 * gradient takes its NCHW bias gradient the same way (`conv2dBackpropFilter` with
 * `onesColumn`, split along K or not). Checked against eager on the same backend and
 * against the CPU, within float32 rounding (the bias sum is added in the GEMM's order
 * instead of the reduction's).
 */

/** A net: its parameters (made on `backend`) and a loss of them. */
type Net = (backend: string) => { params: Parameter[]; loss: () => Tensor; inputs: Tensor[] };

const init = (backend: string, shape: number[], k: number) =>
  new Parameter(T.tensor(values(shape.reduce((a, b) => a * b, 1), 40 + k).map((v) => v * 0.4), { shape, backend }));

/** 20 → 37 → 5: sizes off every tile. */
const dense: Net = (backend) => {
  const [w1, b1, w2, b2] = [init(backend, [37, 20], 1), init(backend, [37], 2), init(backend, [5, 37], 3), init(backend, [5], 4)];
  const x = T.tensor(values(19 * 20, 7), { shape: [19, 20], backend });
  const y = T.tensor(values(19 * 5, 8), { shape: [19, 5], backend });
  const loss = () => {
    const h = T.biasActivation(x.matmul(w1, { transposeB: true }), b1, { activation: 'relu' });
    return T.biasActivation(h.matmul(w2, { transposeB: true }), b2).sub(y).square().mean();
  };
  return { params: [w1, b1, w2, b2], loss, inputs: [x, y] };
};

/**
 * Two convolutions with biases: the first one's filter gradient has K = 3·28·28 = 2352 and
 * one output tile (split along K), the second (2 groups) a short K (not split).
 */
const convs: Net = (backend) => {
  const [w1, b1] = [init(backend, [6, 2, 3, 3], 1), init(backend, [6], 2)];
  const [w2, b2] = [init(backend, [4, 3, 3, 3], 3), init(backend, [4], 4)];
  const x = T.tensor(values(3 * 2 * 28 * 28, 7), { shape: [3, 2, 28, 28], backend });
  const loss = () => {
    const h = T.biasActivation(T.conv2d(x, w1, { padding: 1 }), b1, { axis: 1, activation: 'relu' });
    const z = T.biasActivation(T.conv2d(h, w2, { stride: 2, groups: 2 }), b2, { axis: 1 });
    return z.square().mean();
  };
  return { params: [w1, b1, w2, b2], loss, inputs: [x] };
};

async function train(net: Net, backend: string, compiled: boolean, steps: number) {
  const { params, loss, inputs } = net(backend);
  const body = () => {
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    const l = loss();
    l.backward();
    T.noGrad(() => params.forEach((p) => p.assign(p.sub(p.grad!.mul(0.05)))));
    return l.detach();
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
  T.dispose([...params, ...inputs]);
  return { losses, grads, weights, calls };
}

/** Compiled webgpu against eager webgpu and compiled CPU (which does not merge). */
async function check(net: Net, merged: string, unmerged: string) {
  const eager = await train(net, 'webgpu', false, 4);
  const comp = await train(net, 'webgpu', true, 4);
  const onCpu = await train(net, 'cpu', true, 4);
  expect(comp.calls.filter((c) => c === merged)).toHaveLength(2);
  expect(comp.calls).not.toContain('biasAddGrad');
  expect(onCpu.calls).toContain(unmerged);
  expect(onCpu.calls).toContain('biasAddGrad');
  expect(worstError(Float32Array.from(comp.losses), Float32Array.from(eager.losses))).toBeLessThanOrEqual(1);
  for (const run of [eager, onCpu]) {
    comp.grads.forEach((g, k) => expect(worstError(g, run.grads[k])).toBeLessThanOrEqual(1));
    comp.weights.forEach((w, k) => expect(worstError(w, run.weights[k])).toBeLessThanOrEqual(1));
  }
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('bias gradients inside the weight gradient (webgpu)', () => {
  useBackends(testPlugin());

  it('merges biasAddGrad into the dW matmul and gives eager webgpu’s and the CPU’s numbers within float32 rounding', async () => {
    await check(dense, 'fused(matmul+biasAddGrad)', 'matmul');
  }, 120_000);

  it('merges NCHW biasAddGrad into conv2dBackpropFilter (split along K and not) within float32 rounding', async () => {
    await check(convs, 'fused(conv2dBackpropFilter+biasAddGrad)', 'conv2dBackpropFilter');
  }, 180_000);
});
