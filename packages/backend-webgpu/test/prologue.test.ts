import * as T from '@tessera/core';
import { Parameter, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/**
 * Prologues (docs/expressions.md): in a compiled step, the loss gradient dy of
 * `softmaxCrossEntropyGrad` — the mean's one-element gradient broadcast to the batch — is
 * computed by that kernel where it loads dy (`prologueKernels`), instead of by a call of its
 * own; and the loss's two whole-tensor sums (the label count, with its notEqual + cast, and
 * the loss sum) are one `reduceGroup` call. Checked against eager webgpu and the CPU (which
 * has neither), with an ignored label, for rows shorter and longer than a workgroup (the two
 * row kernels).
 */
async function train(backend: string, compiled: boolean, classes: number, steps: number) {
  const o = { backend };
  const w = new Parameter(T.tensor(values(classes * 12, 3).map((v) => v * 0.3), { shape: [classes, 12], ...o }));
  const n = classes > 256 ? 260 : 9; // a batch longer than the sums' workgroup, too
  const x = T.tensor(values(n * 12, 4), { shape: [n, 12], ...o });
  const ign = -1;
  const labels = T.tensor(Int32Array.from({ length: n }, (_, i) => (i === 4 ? ign : (i * 7) % classes)), { shape: [n], dtype: 'int32', ...o });
  const body = () => {
    w.grad?.dispose();
    w.grad = null;
    const rows = T.softmaxCrossEntropy(x.matmul(w, { transposeB: true }), labels, ign);
    const count = T.cast(T.notEqual(labels, ign), 'float32').sum();
    const loss = rows.sum().div(count);
    loss.backward();
    T.noGrad(() => w.assign(w.sub(w.grad!.mul(0.5))));
    return loss.detach();
  };
  const step = compiled ? T.compile(body) : body;
  const losses: number[] = [];
  const info = () => Number(T.getBackend(backend).info?.().dispatches ?? 0);
  let dispatches = 0;
  for (let s = 0; s < steps; s++) {
    const d0 = info();
    const l = T.tidy(() => step());
    dispatches = info() - d0; // the last step's
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const grad = Float32Array.from((await w.grad!.data()) as Float32Array);
  const weight = Float32Array.from((await w.data()) as Float32Array);
  const calls = compiled ? [...(step as T.CompiledFunction<[], Tensor>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<[], Tensor>).dispose();
  w.grad?.dispose();
  T.dispose([w, x, labels]);
  return { losses: Float32Array.from(losses), grad, weight, calls, dispatches };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('the loss in compiled steps: dy as a prologue, the sums as one call (webgpu)', () => {
  useBackends(testPlugin());

  for (const classes of [10, 300]) {
    it(`${classes} classes: one call for the loss gradient, eager webgpu's and the CPU's numbers`, async () => {
      const eager = await train('webgpu', false, classes, 4);
      const comp = await train('webgpu', true, classes, 4);
      const onCpu = await train('cpu', true, classes, 4);
      const grads = comp.calls.filter((c) => c.includes('softmaxCrossEntropyGrad'));
      expect(grads).toHaveLength(1);
      expect(grads[0]).toMatch(/^fused\(.*broadcastTo\+softmaxCrossEntropyGrad\)$/);
      // The label count (with its notEqual + cast as a prologue), the loss sum and the mean
      // (the sums' epilogue): one call, one dispatch.
      expect(comp.calls).toContain('reduceGroup(fused(notEqual+cast+sum), sum, div)');
      expect(comp.calls).not.toContain('sum');
      expect(comp.calls).not.toContain('div');
      expect(comp.dispatches, comp.calls.join(' ')).toBe(comp.calls.length); // one dispatch per call
      expect(onCpu.calls.some((c) => c.endsWith('+softmaxCrossEntropyGrad)'))).toBe(false); // no prologues on the CPU
      expect(onCpu.calls.some((c) => c.startsWith('reduceGroup('))).toBe(false);
      for (const run of [eager, onCpu]) {
        expect(worstError(comp.losses, run.losses)).toBeLessThanOrEqual(1);
        expect(worstError(comp.grad, run.grad)).toBeLessThanOrEqual(1);
        expect(worstError(comp.weight, run.weight)).toBeLessThanOrEqual(1);
      }
    }, 120_000);
  }
});

/**
 * k sums of products x·y and their sum divided by a one-element input c, returned together:
 * the last is the grouped sums' epilogue. With 2 members every buffer fits one dispatch; with
 * 4 (each binding x, y and its output) the epilogue does not fit one dispatch on the adapters
 * here (8 or 12 bindings), and runs after the members' dispatches as an elementwise one.
 */
async function sums(backend: string, compiled: boolean, k: number) {
  const o = { backend };
  const xs = Array.from({ length: 2 * k }, (_, j) => T.tensor(values(50 + 700 * (j >> 1), 9 + j), { shape: [50 + 700 * (j >> 1)], ...o }));
  const c = T.tensor([3], o);
  const body = (...a: Tensor[]) => {
    const s = Array.from({ length: k }, (_, j) => a[2 * j].mul(a[2 * j + 1]).sum());
    return [s.reduce((p, q) => p.add(q)).div(a[2 * k]), ...s];
  };
  const step = compiled ? T.compile(body) : body;
  const info = () => Number(T.getBackend(backend).info?.().dispatches ?? 0);
  step(...xs, c).forEach((t) => t.dispose());
  const d0 = info();
  const outs = step(...xs, c);
  const dispatches = info() - d0;
  const got = Float32Array.from(await Promise.all(outs.map(async (t) => (await t.data())[0])));
  const calls = compiled ? [...(step as T.CompiledFunction<Tensor[], Tensor[]>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<Tensor[], Tensor[]>).dispose();
  T.dispose([...outs, ...xs, c]);
  return { got, calls, dispatches };
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('grouped sums with an epilogue (webgpu)', () => {
  useBackends(testPlugin());

  for (const k of [2, 4]) {
    it(`${k} sums and their mean: one reduceGroup call, eager's numbers`, async () => {
      const eager = await sums('webgpu', false, k);
      const comp = await sums('webgpu', true, k);
      expect(comp.calls).toHaveLength(1);
      expect(comp.calls[0]).toMatch(/^reduceGroup\(fused\(mul\+sum\), .*, fused\(add\+.*div\)\)$/);
      const limit = T.getBackend('webgpu').info!().maxStorageBuffersPerShaderStage as number;
      const perDispatch = Math.floor(limit / 3);
      expect(comp.dispatches).toBe(3 * k + 2 <= limit ? 1 : Math.ceil(k / perDispatch) + 1);
      if (k === 2) expect(comp.dispatches).toBe(1);
      else expect(comp.dispatches).toBeGreaterThan(1);
      expect(worstError(comp.got, eager.got)).toBeLessThanOrEqual(1);
      const onCpu = await sums('cpu', true, k);
      expect(worstError(comp.got, onCpu.got)).toBeLessThanOrEqual(1);
    }, 60_000);
  }
});
