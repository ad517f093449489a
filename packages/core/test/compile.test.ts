import { describe, expect, it } from 'vitest';
import {
  CompileError, Parameter, keep, type Tensor, compile, dropout, manualSeed, memory, noGrad, elementwiseDefs, randn, runOp, tensor, tidy, zeros,
} from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

/** A small MLP with hand-written SGD: parameters updated in place with assign. */
function makeNet(seed: number) {
  manualSeed(seed);
  const w1 = new Parameter(randn([6, 16]).mul(0.3));
  const b1 = new Parameter(zeros([16]));
  const w2 = new Parameter(randn([16, 3]).mul(0.3));
  const b2 = new Parameter(zeros([3]));
  const params = [w1, b1, w2, b2];
  const lr = { value: 0.1 };
  const step = (x: Tensor, y: Tensor, p = 0): Tensor => {
    for (const w of params) {
      w.grad?.dispose();
      w.grad = null;
    }
    const h = x.matmul(w1).add(b1).relu();
    const out = dropout(h, p, p > 0).matmul(w2).add(b2);
    const loss = out.sub(y).square().mean();
    loss.backward();
    noGrad(() => {
      for (const w of params) w.assign(runOp(elementwiseDefs.sub, [w, runOp(elementwiseDefs.mul, [w.grad!, tensor(lr.value)], {})], {}));
    });
    return loss.detach();
  };
  return { params, step, lr };
}

function batches(n: number): { x: Tensor; y: Tensor }[] {
  manualSeed(123);
  return Array.from({ length: n }, () => ({ x: randn([8, 6]), y: randn([8, 3]) }));
}

async function run(compiled: boolean, steps: number, p: number) {
  const data = batches(steps);
  const net = makeNet(1);
  manualSeed(7);
  const step = compiled ? compile(net.step) : net.step;
  const losses: number[] = [];
  for (const { x, y } of data) {
    const l = tidy(() => step(x, y, p));
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const weights = await Promise.all(net.params.map(async (w) => Array.from(await w.data())));
  const grads = await Promise.all(net.params.map(async (w) => Array.from(await w.grad!.data())));
  return { losses, weights, grads, stats: compiled ? (step as ReturnType<typeof compile>).stats : null, net, data };
}

describe('compile', () => {
  it('gives the same losses, weights and gradients as eager execution after 100 steps (bit for bit)', async () => {
    const eager = await run(false, 100, 0);
    const comp = await run(true, 100, 0);
    expect(comp.losses).toEqual(eager.losses);
    expect(comp.weights).toEqual(eager.weights);
    expect(comp.grads).toEqual(eager.grads);
    expect(comp.stats!.traces).toBe(1);
    expect(comp.stats!.replays).toBe(99);
    expect(comp.stats!.kernels).toBeGreaterThan(10);
  });

  it('draws fresh dropout masks per replay, the same ones eager draws with the same seed', async () => {
    const eager = await run(false, 100, 0.3);
    const comp = await run(true, 100, 0.3);
    expect(comp.losses).toEqual(eager.losses);
    expect(comp.weights).toEqual(eager.weights);
    expect(new Set(comp.losses.slice(-5)).size).toBe(5);
  });

  it('keeps live tensors and buffers flat over 1,000 replays', () => {
    const net = makeNet(2);
    const step = compile(net.step);
    const [{ x, y }] = batches(1);
    const once = () => tidy(() => void step(x, y, 0.2));
    once();
    once();
    const before = memory();
    for (let i = 0; i < 1000; i++) once();
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBuffers).toBe(before.numBuffers);
    expect(after.numBytes).toBe(before.numBytes);
    expect(step.stats.replays).toBe(1001);
  });

  it('keeps one trace per input signature (a smaller last batch gets its own)', () => {
    const net = makeNet(3);
    const step = compile(net.step);
    manualSeed(0);
    const big = { x: randn([8, 6]), y: randn([8, 3]) };
    const small = { x: randn([5, 6]), y: randn([5, 3]) };
    for (let i = 0; i < 3; i++) {
      tidy(() => step(big.x, big.y));
      tidy(() => step(small.x, small.y));
    }
    expect(step.stats.traces).toBe(2);
    expect(step.stats.replays).toBe(4);
  });

  it('recomputes attribute functions at every replay (a changing learning rate)', async () => {
    const w = new Parameter(tensor([1, 2, 3]));
    const alpha = { v: 0.5 };
    const step = compile((x: Tensor) => {
      noGrad(() => w.assign(runOp(elementwiseDefs.leakyRelu, [w.sub(x)], () => ({ alpha: alpha.v }))));
    });
    const x = tensor([2, 2, 2]);
    for (const a of [0.5, 0.5, 0.25, 0.1]) {
      alpha.v = a;
      tidy(() => step(x));
    }
    // 1,2,3 → (−1,0,1) ·0.5 → (−0.5,0,1) → (−2.5·0.5=−1.25,−1,−1·… ) computed eagerly below
    let e = [1, 2, 3];
    // float32 throughout: alpha is a float32 scalar of the expression (0.1 → fround(0.1)), each step rounds.
    const f = Math.fround;
    for (const a of [0.5, 0.5, 0.25, 0.1]) e = e.map((v) => (v - 2 > 0 ? f(v - 2) : f(f(v - 2) * f(a))));
    expect(Array.from(await w.data())).toEqual(Array.from(new Float32Array(e)));
    expect(step.stats.replays).toBe(3);
  });

  it('runs eagerly, with one warning that names the readback, when the step reads values back', () => {
    const warnings: string[] = [];
    const w = new Parameter(tensor([1, 2]));
    const step = compile(
      (x: Tensor) => {
        const s = x.sum().dataSync()[0];
        noGrad(() => w.assign(w.add(s)));
      },
      { onWarn: (m) => warnings.push(m) },
    );
    const x = tensor([1, 1]);
    for (let i = 0; i < 5; i++) tidy(() => step(x));
    expect(w.dataSync()).toEqual(new Float32Array([11, 12]));
    expect(step.stats.replays).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dataSync/);
  });

  it('does not replay a step that keeps new tensors in host state, and says why', () => {
    const warnings: string[] = [];
    const state: { t: Tensor | null } = { t: null };
    const step = compile(
      (x: Tensor) => {
        state.t?.dispose();
        state.t = keep(x.mul(2));
        return x.add(1);
      },
      { onWarn: (m) => warnings.push(m) },
    );
    const x = tensor([1]);
    for (let i = 0; i < 4; i++) tidy(() => step(x));
    expect(step.stats.replays).toBe(0);
    expect(warnings[0]).toMatch(/keeps 1 tensor/);
  });

  it('retraces when a tensor the step reads was replaced', () => {
    let w = tensor([1, 2]);
    const step = compile((x: Tensor) => x.add(w));
    const x = tensor([1, 1]);
    expect(tidy(() => step(x)).dataSync()).toEqual(new Float32Array([2, 3]));
    expect(step(x).dataSync()).toEqual(new Float32Array([2, 3]));
    w.dispose();
    w = tensor([5, 5]);
    expect(step(x).dataSync()).toEqual(new Float32Array([6, 6]));
    expect(step.stats.traces).toBe(2);
  });

  it('warns once, naming the argument, when the input signature keeps changing', () => {
    const warnings: string[] = [];
    const step = compile((x: Tensor) => x.mul(2), { maxTraces: 4, onWarn: (m) => warnings.push(m) });
    for (let n = 1; n <= 10; n++) tidy(() => void step(zeros([n])));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/more than 4 input signatures.*argument 0 was T\[4\]float32@cpu, now T\[5\]float32@cpu/);
    expect(step.stats.traces).toBe(10);
  });

  it('rejects async steps with a CompileError', () => {
    const step = compile(async (x: Tensor) => x);
    expect(() => step(tensor([1]))).toThrow(CompileError);
  });
});
