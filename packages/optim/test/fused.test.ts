import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_API_VERSION, type Kernel, Parameter, allocArray, kernelsFor, memory, tensor, tidy, use } from '@tessera/core';
import { CpuStorage, cpu } from '@tessera/backend-cpu';
import { Adam, SGD, type AdamStepAttrs, type EmaAttrs } from '../src/index.js';

// A backend can replace the composed update rules with fused kernels, registered under
// the ops' names. Here: single-loop CPU kernels standing in for a GPU backend's.
const calls = { adamStep: 0, ema: 0 };
const vals = (d: object) => (d as CpuStorage).values;

const adamStepKernel: Kernel<AdamStepAttrs> = ({ inputs: [p, m, v], attrs: { lr, eps, bc1, bc2 }, out }) => {
  calls.adamStep++;
  const [pv, mv, vv] = [vals(p.dataId), vals(m.dataId), vals(v.dataId)];
  const o = allocArray(out.dtype, out.size);
  for (let i = 0; i < out.size; i++) o[i] = pv[i] - lr * (mv[i] / bc1 / (Math.sqrt(vv[i] / bc2) + eps));
  return new CpuStorage(o);
};

const emaKernel: Kernel<EmaAttrs> = ({ inputs: [s, x], attrs: { decay, scale }, out }) => {
  calls.ema++;
  const [sv, xv] = [vals(s.dataId), vals(x.dataId)];
  const o = allocArray(out.dtype, out.size);
  for (let i = 0; i < out.size; i++) o[i] = sv[i] * decay + xv[i] * scale;
  return new CpuStorage(o);
};

function run(makeOpt: (p: Parameter) => Adam | SGD): Float64Array {
  const p = tidy(() => new Parameter(tensor([0.5, -1, 2, 0.25], { dtype: 'float64' })));
  const opt = makeOpt(p);
  for (let t = 0; t < 5; t++) {
    p.grad = tensor([0.1 * t - 0.2, 0.3, -0.05 * t, 0.7], { dtype: 'float64' });
    opt.step();
    opt.zeroGrad();
  }
  const out = p.dataSync() as Float64Array;
  opt.dispose();
  p.dispose();
  return out;
}

describe('fused update kernels', () => {
  beforeAll(() => use(cpu()));

  it('a backend kernel registered under optim.adamStep / optim.ema replaces the composed rule, same values', () => {
    const adam = (p: Parameter) => new Adam([p], { lr: 0.1, weightDecay: 0.01 });
    const sgd = (p: Parameter) => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1 });
    const composedAdam = run(adam);
    const composedSgd = run(sgd);
    expect(calls).toEqual({ adamStep: 0, ema: 0 });

    use({
      kind: 'kernels',
      name: 'fused-optim-test',
      coreApi: CORE_API_VERSION,
      backend: 'cpu',
      kernels: { 'optim.adamStep': adamStepKernel as Kernel<never>, 'optim.ema': emaKernel as Kernel<never> },
    });
    expect(kernelsFor('optim.adamStep')).toContain('cpu');
    const before = memory().numTensors;
    const fusedAdam = run(adam);
    const fusedSgd = run(sgd);
    expect(memory().numTensors).toBe(before);
    expect(calls.adamStep).toBe(5);
    expect(calls.ema).toBe(5 + 4); // Adam's m each step + SGD's buffer after the first step
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(fusedAdam[i] - composedAdam[i])).toBeLessThan(1e-12);
      expect(Math.abs(fusedSgd[i] - composedSgd[i])).toBeLessThan(1e-12);
    }
  });
});

describe('update rules as expressions', () => {
  beforeAll(() => use(cpu()));

  it('each op’s expression computes its published formula (float64, run through the elementwise op)', async () => {
    const { elementwise } = await import('@tessera/core');
    const { adamStepDef, emaDef, emaSquareDef, sgdStepDef } = await import('../src/index.js');
    const p = [0.5, -1, 2, 0.25];
    const m = [0.1, -0.2, 0.05, 0.3];
    const v = [0.01, 0.04, 0.002, 0.09];
    const via = (e: { expr: Parameters<typeof elementwise>[0]; scalars: readonly number[] }, xs: number[][]) =>
      tidy(() => Array.from(elementwise(e.expr, xs.map((x) => tensor(x, { dtype: 'float64' })), e.scalars).dataSync()));
    const adam = { lr: 0.1, eps: 1e-8, bc1: 0.19, bc2: 0.0199 };
    expect(via(adamStepDef.elementwise!(adam), [p, m, v])).toEqual(p.map((t, i) => t - (m[i] / adam.bc1 / (Math.sqrt(v[i] / adam.bc2) + adam.eps)) * adam.lr));
    expect(via(emaDef.elementwise!({ decay: 0.9, scale: 0.1 }), [p, m])).toEqual(p.map((s, i) => s * 0.9 + m[i] * 0.1));
    expect(via(emaSquareDef.elementwise!({ decay: 0.999, scale: 0.001 }), [v, m])).toEqual(v.map((s, i) => s * 0.999 + m[i] * m[i] * 0.001));
    expect(via(sgdStepDef.elementwise!({ lr: 0.05 }), [p, m])).toEqual(p.map((t, i) => t - m[i] * 0.05));
  });
});
