import * as T from '@tessera/core';
import { Parameter, type AnyKernel, type KernelContext, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { webgpuKernels, type WebGpuMemoryInfo } from '../src/index.js';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/**
 * A 6 → 16 → 3 MLP with hand-written SGD (parameters updated in place with `assign`), on
 * `backend`. `p` > 0 adds dropout (a random op: a per-replay call). Each update is clipped
 * to ±`clipAt.value` through an attribute function, read again at every replay (a call
 * whose uniform words a device replay patches).
 */
function makeNet(backend: string, seed: number) {
  // Host-made initial values: the same on every backend (GPU randn differs in the last bits).
  const init = (shape: number[], k: number) => new Parameter(T.tensor(values(shape[0] * (shape[1] ?? 1), seed * 10 + k).map((v) => v * 0.5), { shape, backend }));
  const w1 = init([6, 16], 1);
  const b1 = init([16], 2);
  const w2 = init([16, 3], 3);
  const b2 = init([3], 4);
  const params = [w1, b1, w2, b2];
  const clipAt = { value: 0.02 };
  const step = (x: Tensor, y: Tensor, p: number): Tensor => {
    for (const w of params) {
      w.grad?.dispose();
      w.grad = null;
    }
    const h = x.matmul(w1).add(b1).relu();
    const loss = T.dropout(h, p, p > 0).matmul(w2).add(b2).sub(y).square().mean();
    loss.backward();
    T.noGrad(() => {
      for (const w of params) {
        const delta = T.runOp(T.elementwiseDefs.clip, [w.grad!.mul(0.1)], () => ({ min: -clipAt.value, max: clipAt.value }));
        w.assign(w.sub(delta));
      }
    });
    return loss.detach();
  };
  return { params, step, clipAt };
}

interface Run {
  losses: number[];
  weights: Float32Array[];
  stats: T.CompileStats | null;
}

/** `steps` steps on `backend` over three fixed batches; the update clip shrinks 3 % every step. */
async function train(backend: string, compiled: boolean, steps: number, p: number, reassignAt = -1): Promise<Run> {
  const o = { backend };
  const data = Array.from({ length: 3 }, (_, k) => ({
    x: T.tensor(values(8 * 6, 11 + k), { shape: [8, 6], ...o }),
    y: T.tensor(values(8 * 3, 31 + k), { shape: [8, 3], ...o }),
  }));
  const net = makeNet(backend, 1);
  T.manualSeed(7);
  const step = compiled ? T.compile(net.step) : net.step;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    net.clipAt.value = 0.02 * 0.97 ** s;
    // A value given to a parameter between steps (as loadStateDict does) must be seen.
    if (s === reassignAt) T.noGrad(() => T.tidy(() => net.params[0].assign(net.params[0].mul(0.5))));
    const { x, y } = data[s % data.length];
    const l = T.tidy(() => step(x, y, p));
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const weights = await Promise.all(net.params.map(async (w) => (await w.data()) as Float32Array));
  const stats = compiled ? (step as T.CompiledFunction<[Tensor, Tensor, number], Tensor>).stats : null;
  if (compiled) (step as T.CompiledFunction<[Tensor, Tensor, number], Tensor>).dispose();
  T.dispose([...net.params, ...data.flatMap((d) => [d.x, d.y])]);
  return { losses, weights, stats };
}

/** Float32 tolerance against the CPU (different summation orders): |a − b| ≤ 1e-5 + 1e-4·|b|. */
function expectClose(a: Run, b: Run): void {
  expect(worstError(Float32Array.from(a.losses), Float32Array.from(b.losses))).toBeLessThanOrEqual(1);
  a.weights.forEach((w, k) => expect(worstError(w, b.weights[k])).toBeLessThanOrEqual(1));
}

function gpuInfo(): { dispatches: number; submits: number } {
  return T.getBackend('webgpu').info?.() as unknown as { dispatches: number; submits: number };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('compiled steps on webgpu (device recordings)', () => {
  useBackends(testPlugin());

  it('re-issues the recorded dispatches and matches eager webgpu bit for bit and the CPU within float32 tolerance', async () => {
    const compiled = await train('webgpu', true, 100, 0);
    const eager = await train('webgpu', false, 100, 0);
    const cpu = await train('cpu', false, 100, 0);
    expect(compiled.stats).toMatchObject({ traces: 1, replays: 99, deviceReplays: 99 });
    // The same shaders with the same parameters on the same inputs: identical bits.
    expect(compiled.losses).toEqual(eager.losses);
    compiled.weights.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(eager.weights[k])));
    expectClose(compiled, cpu);
    expect(compiled.losses[9]).toBeLessThan(compiled.losses[0]); // same batch, 9 steps later
  }, 120_000);

  it('sees a parameter assigned between steps without recording again (its value moves into the recorded buffer)', async () => {
    const compiled = await train('webgpu', true, 10, 0, 5);
    const eager = await train('webgpu', false, 10, 0, 5);
    expect(compiled.stats).toMatchObject({ traces: 1, deviceReplays: 9, recordings: 1 });
    expect(compiled.losses).toEqual(eager.losses);
    compiled.weights.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(eager.weights[k])));
  }, 120_000);

  it('draws fresh dropout masks at every device replay (patched random keys), as eager does', async () => {
    const compiled = await train('webgpu', true, 100, 0.3);
    const eager = await train('webgpu', false, 100, 0.3);
    const cpu = await train('cpu', false, 100, 0.3);
    expect(compiled.stats).toMatchObject({ traces: 1, deviceReplays: 99 });
    expect(compiled.losses).toEqual(eager.losses);
    compiled.weights.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(eager.weights[k])));
    // Eager draws a new mask every step, so equal losses mean the replays drew them too.
    expectClose(compiled, cpu);
  }, 120_000);

  it('submits once per replay and counts its dispatches; keeps tensors and GPU bytes flat over 1,000 steps', async () => {
    const recordingBytes = () => (T.getBackend('webgpu').memoryInfo?.() as WebGpuMemoryInfo).recordingBytes;
    expect(recordingBytes()).toBe(0); // the earlier tests disposed their compiled steps
    const net = makeNet('webgpu', 2);
    const step = T.compile(net.step);
    const x = T.tensor(values(8 * 6, 3), { shape: [8, 6], backend: 'webgpu' });
    const y = T.tensor(values(8 * 3, 4), { shape: [8, 3], backend: 'webgpu' });
    const once = () => T.tidy(() => void step(x, y, 0.2));
    const bytes = () => {
      const m = T.getBackend('webgpu').memoryInfo?.() as WebGpuMemoryInfo;
      return m.inUseBytes + m.pooledBytes;
    };
    for (let i = 0; i < 3; i++) once();
    await T.getBackend('webgpu').sync?.();
    const a = gpuInfo();
    once();
    const b = gpuInfo();
    const perStep = b.dispatches - a.dispatches;
    expect(b.submits - a.submits).toBe(1);
    // Every call dispatches at least once; the four parameter updates are one grouped call.
    expect(perStep).toBeGreaterThanOrEqual(step.stats.kernels);
    expect(step.stats.calls.filter((c) => /^group\(.*×4\)$/.test(c))).toHaveLength(1);
    expect(step.stats.kernels).toBeGreaterThan(10);
    const tensors = T.memory().numTensors;
    const held = bytes();
    const recorded = recordingBytes();
    expect(recorded).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) once();
    const c = gpuInfo();
    expect(c.submits - b.submits).toBe(1000);
    expect(c.dispatches - b.dispatches).toBe(1000 * perStep);
    expect(T.memory().numTensors).toBe(tensors);
    expect(bytes()).toBe(held);
    expect(step.stats.deviceReplays).toBe(1003);
    const loss = T.tidy(() => step(x, y, 0));
    expect(Number.isFinite((await loss.data())[0])).toBe(true);
    expect(recordingBytes()).toBe(recorded);
    T.dispose([loss, x, y, ...net.params]);
    step.dispose();
    expect(recordingBytes()).toBe(0);
  }, 300_000);
});

/**
 * A small CNN step on `backend`: conv 1→4 (3×3) with a filter gradient long enough for
 * split-K (K = 8·16·16 = 2048: partial products in a temporary buffer), an activation
 * penalty whose mean reduces 8,192 values in two passes (another temporary), max pooling
 * and a linear layer; hand-written SGD with assign. Returns the losses and final weights.
 */
async function trainCnn(backend: string, compiled: boolean, steps: number): Promise<Run> {
  const o = { backend };
  const init = (shape: number[], k: number) => new Parameter(T.tensor(values(shape.reduce((a, b) => a * b, 1), k).map((v) => v * 0.3), { shape, ...o }));
  const conv = init([4, 1, 3, 3], 1);
  const fc = init([4 * 8 * 8, 3], 2);
  const params = [conv, fc];
  const x = T.tensor(values(8 * 18 * 18, 3), { shape: [8, 1, 18, 18], ...o });
  const y = T.tensor(values(8 * 3, 4), { shape: [8, 3], ...o });
  const raw = (xs: Tensor, ys: Tensor): Tensor => {
    for (const w of params) {
      w.grad?.dispose();
      w.grad = null;
    }
    const h = T.conv2d(xs, conv).relu();
    const out = T.maxPool2d(h, { kernelSize: 2 }).reshape([8, 256]).matmul(fc);
    const loss = out.sub(ys).square().mean().add(h.square().mean().mul(0.01));
    loss.backward();
    T.noGrad(() => {
      for (const w of params) w.assign(w.sub(w.grad!.mul(0.05)));
    });
    return loss.detach();
  };
  const step = compiled ? T.compile(raw) : raw;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const l = T.tidy(() => step(x, y));
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const weights = await Promise.all(params.map(async (w) => (await w.data()) as Float32Array));
  const stats = compiled ? (step as T.CompiledFunction<[Tensor, Tensor], Tensor>).stats : null;
  if (compiled) (step as T.CompiledFunction<[Tensor, Tensor], Tensor>).dispose();
  T.dispose([...params, x, y]);
  return { losses, weights, stats };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('a compiled CNN step on webgpu', () => {
  useBackends(testPlugin());

  it('matches eager webgpu bit for bit (kernels with temporaries and several dispatches) and the CPU within tolerance', async () => {
    const compiled = await trainCnn('webgpu', true, 6);
    const eager = await trainCnn('webgpu', false, 6);
    const cpu = await trainCnn('cpu', false, 6);
    expect(compiled.stats).toMatchObject({ traces: 1, deviceReplays: 5 });
    expect(compiled.losses).toEqual(eager.losses);
    compiled.weights.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(eager.weights[k])));
    expectClose(compiled, cpu);
    expect(compiled.losses[5]).toBeLessThan(compiled.losses[0]);
  }, 120_000);
});

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('compiled steps on webgpu: guards and copies', () => {
  useBackends(testPlugin());

  it('replays kernel by kernel while a state buffer is shared, then records again (the old recording freed right after its submit)', async () => {
    const w = new Parameter(T.tensor([1, 2, 3, 4], { backend: 'webgpu' }));
    const step = T.compile((x: Tensor) => {
      T.noGrad(() => w.assign(w.mul(x).add(1)));
    });
    const x = T.tensor([2, 2, 2, 2], { backend: 'webgpu' });
    let expected = [1, 2, 3, 4];
    const run = () => {
      T.tidy(() => step(x));
      expected = expected.map((v) => 2 * v + 1);
    };
    for (let i = 0; i < 3; i++) run();
    const bytes = () => (T.getBackend('webgpu').memoryInfo?.() as WebGpuMemoryInfo).recordingBytes;
    const one = bytes();
    // A view sharing w's buffer: an in-place copy into it would change the view too.
    const view = w.reshape([2, 2]);
    const seen = expected.slice();
    run();
    expect(Array.from(await view.data())).toEqual(seen);
    view.dispose();
    for (let i = 0; i < 3; i++) run();
    expect(Array.from(await w.data())).toEqual(expected);
    // trace, record + 2 device replays, 1 kernel replay, record again + 3 device replays.
    expect(step.stats).toMatchObject({ traces: 1, replays: 6, deviceReplays: 5 });
    expect(bytes()).toBe(one);
    step.dispose();
    T.dispose([w, x]);
  });

  it('compiles a step that tries dataSync and goes on when the backend refuses (value checks skipped on the GPU)', async () => {
    const w = new Parameter(T.tensor([1, 2, 3], { backend: 'webgpu' }));
    const step = T.compile((x: Tensor) => {
      // What @tessera/layers' losses do to check label ranges where reads are synchronous.
      try {
        x.dataSync();
      } catch (e) {
        if (!(e instanceof T.BackendError)) throw e;
      }
      T.noGrad(() => w.assign(w.add(x)));
    });
    const x = T.tensor([1, 1, 1], { backend: 'webgpu' });
    for (let i = 0; i < 3; i++) T.tidy(() => step(x));
    expect(Array.from(await w.data())).toEqual([4, 5, 6]);
    expect(step.stats).toMatchObject({ traces: 1, replays: 2, deviceReplays: 2 });
    step.dispose();
    T.dispose([w, x]);
  });

  it('copies whole bool arguments in (4 bytes per element on the GPU, 1 in core)', async () => {
    const step = T.compile((mask: Tensor, x: Tensor) => T.where(mask, x, x.neg()));
    const x = T.tensor([1, 2, 3, 4, 5, 6, 7, 8], { backend: 'webgpu' });
    const masks = [0b10101010, 0b11110000, 0b00001111, 0b01100110];
    for (const m of masks) {
      const bits = Array.from({ length: 8 }, (_, i) => ((m >> i) & 1) === 1);
      const mask = T.tensor(bits, { dtype: 'bool', backend: 'webgpu' });
      const y = T.tidy(() => step(mask, x));
      expect(Array.from(await y.data())).toEqual(bits.map((b, i) => (b ? i + 1 : -(i + 1))));
      T.dispose([mask, y]);
    }
    expect(step.stats.deviceReplays).toBe(masks.length - 1);
    x.dispose();
  });
});

/** webgpu's `neg` (its expression through the elementwise kernel), but uploading a constant first: work a recording cannot hold. */
const uploadingNeg: AnyKernel = ((ctx: KernelContext<Record<string, never>>) => {
  const scratch = ctx.backend.write(new Float32Array([1]), 'float32', [1]);
  ctx.backend.free(scratch);
  const attrs = T.elementwiseDefs.neg.elementwise?.({}, ctx.inputs);
  return (webgpuKernels.elementwise as (c: KernelContext<unknown>) => T.DataId)({ ...ctx, attrs });
}) as AnyKernel;

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('a compiled step whose kernel uploads', () => {
  useBackends(testPlugin());

  it('is not recorded, and replays kernel by kernel with the right values', async () => {
    T.use({ kind: 'kernels', name: 'uploading-neg', coreApi: T.CORE_API_VERSION, backend: 'webgpu', kernels: { neg: uploadingNeg } });
    const w = new Parameter(T.tensor([1, 2, 3], { backend: 'webgpu' }));
    const step = T.compile((x: Tensor) => {
      T.noGrad(() => w.assign(w.add(x).neg()));
    });
    const x = T.tensor([1, 1, 1], { backend: 'webgpu' });
    for (let i = 0; i < 4; i++) T.tidy(() => step(x));
    // 1,2,3 → −2,−3,−4 → 1,2,3 → −2,−3,−4 → 1,2,3
    expect(Array.from(await w.data())).toEqual([1, 2, 3]);
    expect(step.stats).toMatchObject({ traces: 1, replays: 3, deviceReplays: 0 });
    T.dispose([w, x]);
  });
});
