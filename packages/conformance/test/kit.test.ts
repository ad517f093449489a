/**
 * Self-tests of the kit: it must catch a wrong kernel, a wrong gradient and a broken
 * backend, not just pass on the CPU.
 */
import { cpu } from '@tessera/backend-cpu';
import * as T from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CASES,
  TOLERANCE_PRESETS,
  buildChains,
  checkChain,
  checkForward,
  checkGradient,
  checkGradientVsCpu,
  compareArrays,
  coverageTable,
  defineCase,
  input,
  missingPrimitives,
} from '../src/index.js';

const cpuPlugin = cpu();
const cpuImpl = cpuPlugin.createSync!();

/** A backend that is the CPU except for a few deliberately wrong kernels. */
function mutant(): T.BackendPlugin {
  // exp has no kernel of its own on the CPU: it runs through `elementwise` with its expression.
  const elementwise = cpuImpl.kernels.elementwise as unknown as T.Kernel<T.ElementwiseAttrs>;
  const expAttrs = T.getOpDef('exp')!.elementwise!({} as never, []);
  const exp = (ctx: T.KernelContext<never>) => elementwise({ ...ctx, attrs: expAttrs });
  const matmul = cpuImpl.kernels.matmul as unknown as T.Kernel<T.PrimitiveAttrs['matmul']>;
  const scale = (ctx: T.KernelContext<never>, id: T.DataId, k: number): T.DataId => {
    const v = ctx.backend.readSync!(id, ctx.out.dtype, ctx.out.size);
    for (let i = 0; i < v.length; i++) v[i] *= k;
    return ctx.backend.write(v, ctx.out.dtype, ctx.out.shape);
  };
  const impl: T.BackendImpl = {
    ...cpuImpl,
    name: 'mutant',
    kernels: {
      ...cpuImpl.kernels,
      // exp off by 1 % (beyond the transcendental preset).
      exp: ((ctx: T.KernelContext<never>) => scale(ctx, exp(ctx), 1.01)) as T.AnyKernel,
      // matmul ignores transposeB.
      matmul: ((ctx: T.KernelContext<T.PrimitiveAttrs['matmul']>) =>
        matmul({ ...ctx, attrs: { ...ctx.attrs, transposeB: false } })) as unknown as T.AnyKernel,
    },
  };
  return { kind: 'backend', name: 'mutant', priority: 0, coreApi: T.CORE_API_VERSION, create: async () => impl, createSync: () => impl };
}

beforeAll(() => {
  T.use(cpuPlugin);
  T.use(mutant());
  T.getBackend('mutant');
});

const find = (id: string) => {
  const c = CASES.find((k) => k.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};

describe('the kit catches bugs', () => {
  it('a wrong forward kernel (exp off by 1 %)', async () => {
    expect(await checkForward(find('exp: [3, 1, 4]'), 'mutant', 'float32')).toMatch(/differ beyond/);
    expect(await checkForward(find('add: [2, 3] ∘ [2, 3]'), 'mutant', 'float32')).toBeNull();
  });

  it('a kernel that ignores an attribute (matmul transposeB)', async () => {
    // [3, 4]·[5, 4]ᵀ: the mutant computes the wrong product (or fails on shape).
    const msg = await checkForward(find('matmul: [3, 4]·[5, 4]ᵀ'), 'mutant', 'float32').catch((e: Error) => e.message);
    expect(msg).not.toBeNull();
    expect(await checkForward(find('matmul: [3, 4]·[4, 5]'), 'mutant', 'float32')).toBeNull();
  });

  it('wrong float32 gradients on the target', async () => {
    expect(await checkGradientVsCpu(find('sigmoid: [3, 1, 4]'), 'mutant')).toBeNull();
    expect(await checkGradientVsCpu(find('exp: [3, 1, 4]'), 'mutant')).toMatch(/gradient/);
  });

  it('random chains diverge on the mutant when they use exp', async () => {
    const chains = buildChains(50, 20240601);
    // softmax, logSoftmax and logSumExp are composed with exp on this backend.
    const usesExp = (c: (typeof chains)[number]) => c.steps.some((s) => ['exp', 'softmax', 'logSoftmax', 'logSumExp'].includes(s.op));
    const withExp = chains.filter(usesExp);
    // Ops whose forward and backward never touch exp (erf, gelu, pow, … do in their gradients).
    const safe = new Set(['neg', 'abs', 'relu', 'leakyRelu', 'square', 'clip', 'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'sum', 'mean', 'max', 'min', 'transpose', 'flip', 'reshape', 'slice', 'pad', 'concat', 'broadcastTo']);
    const without = chains.filter((c) => c.steps.every((s) => safe.has(s.op)));
    expect(without.length).toBeGreaterThan(0);
    expect(withExp.length).toBeGreaterThan(0);
    const results = await Promise.all(withExp.map((c) => checkChain(c, 'mutant').catch((e: Error) => e.message)));
    expect(results.some((m) => m !== null)).toBe(true);
    for (const c of without.slice(0, 5)) expect(await checkChain(c, 'mutant')).toBeNull();
  });

  it('a wrong analytic gradient (finite differences)', async () => {
    // cube(x) = x³ with a kernel, and a gradient that is off by a factor (2x² instead of 3x²).
    const cubeKernel: T.Kernel = ({ backend, inputs: [x], out }) => {
      const v = backend.readSync!(x.dataId, x.dtype, x.size);
      const y = T.allocArray(out.dtype, out.size);
      for (let i = 0; i < y.length; i++) y[i] = v[i] ** 3;
      return backend.write(y, out.dtype, out.shape);
    };
    const make = (name: string, k: number) =>
      T.defineOp<Record<string, never>>({
        name,
        infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
        grad: (dy, { inputs: [x] }) => [T.mul(dy, T.mul(T.square(x), k))],
      });
    for (const [name, k] of [['kitGoodCube', 3], ['kitBadCube', 2]] as const) {
      T.use({
        kind: 'bundle',
        name,
        coreApi: T.CORE_API_VERSION,
        plugins: [
          { kind: 'ops', name, coreApi: T.CORE_API_VERSION, ops: [make(name, k) as T.OpDef<never>] },
          { kind: 'kernels', name, coreApi: T.CORE_API_VERSION, backend: 'cpu', kernels: { [name]: cubeKernel as T.AnyKernel } },
        ],
      });
    }
    const run = (name: string) => ([x]: T.Tensor[]) => T.runOp(T.getOpDef(name)!, [x], {} as never);
    const good = defineCase('kitGoodCube', '[2, 3]', [input.follow([2, 3])], run('kitGoodCube'));
    const bad = defineCase('kitBadCube', '[2, 3]', [input.follow([2, 3])], run('kitBadCube'));
    expect(good.grad).toBe(true);
    expect(await checkGradient(good)).toBeNull();
    expect(await checkGradient(bad)).toMatch(/analytic vs finite differences/);
  });
});

describe('comparison and coverage', () => {
  it('compareArrays: tolerance, NaN and infinities', () => {
    const tol = TOLERANCE_PRESETS.float32;
    expect(compareArrays([1, 2], [1 + 5e-5, 2], tol, [2])).toBeNull();
    expect(compareArrays([1.01], [1], tol, [1])).toMatch(/1 of 1/);
    expect(compareArrays([NaN, Infinity], [NaN, Infinity], tol, [2])).toBeNull();
    expect(compareArrays([0, -Infinity], [NaN, Infinity], tol, [2])).toMatch(/2 of 2/);
  });

  it('every primitive has a case, and the table lists them all', () => {
    expect(missingPrimitives()).toEqual([]);
    const table = coverageTable([{ op: 'erf', reason: 'demo' }]);
    for (const op of Object.keys(T.primitiveDefs)) expect(table).toContain(`| ${op} | primitive |`);
    expect(table).toContain('skipped: demo');
    expect(table).toContain('Missing primitives: none');
  });
});
