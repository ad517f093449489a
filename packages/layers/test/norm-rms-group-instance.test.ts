import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, memory, noGrad, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { GroupNorm, type Layer, InstanceNorm1d, InstanceNorm2d, LayerConfigError, RMSNorm, loadModel, moduleFromConfig, saveModel } from '../src/index.js';
import { gradCheck, randT } from './helpers.js';
import { type Arr, type Float, type GradCase, TOL, expectForwardAndGrads, expectMatches, readFixture, toState, toTensor } from './torch-fixture.js';

beforeAll(() => use(cpu()));

interface NormCase extends GradCase {
  name: string; type: string; args: unknown[]; state: Record<string, Arr>; x: Arr; trainOut?: Arr; stateAfterTrain?: Record<string, Arr>;
}
const { norms } = readFixture<{ norms: NormCase[] }>('transformer.json');
const worst: Record<string, number> = {};

/** The case's layer built through the config registry (the fixture names PyTorch's type and our arguments). */
function build(c: NormCase, dtype: Float): Layer {
  const [first, opts] = c.args as [unknown, Record<string, unknown> | number | undefined];
  const args = c.type === 'GroupNorm' ? [first, opts, { ...(c.args[2] as object), dtype }] : [first, { ...(opts as object), dtype }];
  const m = moduleFromConfig({ type: c.type, args: args as never }) as Layer;
  m.loadStateDict(toState(c.state, dtype));
  return m;
}

describe('RMSNorm, GroupNorm, InstanceNorm1d/2d against PyTorch 1.13 (forward and gradients)', () => {
  for (const c of norms) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype})`, () => {
        const m = build(c, dtype);
        const x = toTensor(c.x, dtype).requiresGrad_();
        if (c.trainOut) {
          // One training step: instance statistics, running statistics updated as PyTorch's.
          worst[`${c.type} ${dtype}`] = expectMatches(tidy(() => m.call(x)), c.trainOut, TOL[dtype], 'training output');
          for (const [k, v] of Object.entries(m.stateDict())) expectMatches(v, c.stateAfterTrain![k], TOL[dtype], `${k} after a training step`);
        }
        m.eval();
        const err = expectForwardAndGrads(c, dtype, () => m.call(x), [['x', x], ...m.namedParameters()]);
        worst[`${c.type} ${dtype}`] = Math.max(worst[`${c.type} ${dtype}`] ?? 0, err);
      });
    }
  }

  it('have PyTorch defaults: InstanceNorm has no parameters or buffers unless asked; RMSNorm eps is the dtype epsilon', () => {
    expect(Object.keys(new InstanceNorm2d(3).stateDict())).toEqual([]);
    expect(Object.keys(new InstanceNorm1d(3, { affine: true, trackRunningStats: true }).stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(new RMSNorm(4).eps).toBe(2 ** -23);
    expect(new RMSNorm(4, { dtype: 'float64' }).eps).toBe(Number.EPSILON);
    expect(new GroupNorm(2, 4).namedParameters().map(([n, p]) => `${n} ${p.shape}`)).toEqual(['weight 4', 'bias 4']);
    expect(new RMSNorm([2, 3], { elementwiseAffine: false }).parameters()).toEqual([]);
  });

  it('InstanceNorm accepts unbatched input as a batch of one', () => {
    const m = new InstanceNorm2d(3, { affine: true, dtype: 'float64' });
    const x = randT([3, 4, 5], 3);
    expect(Array.from(m.call(x).dataSync())).toEqual(Array.from(m.call(x.unsqueeze(0)).squeeze(0).dataSync()));
  });

  it('gradients match finite differences (float64)', () => {
    const x = randT([2, 4, 3], 4).requiresGrad_();
    for (const m of [new RMSNorm(3, { eps: 1e-6, dtype: 'float64' }), new GroupNorm(2, 4, { dtype: 'float64' }), new InstanceNorm1d(4, { affine: true, dtype: 'float64' })]) {
      noGrad(() => tidy(() => m.parameters().forEach((p, i) => p.assign(randT([...p.shape], 40 + i)))));
      gradCheck(() => m.call(x), [x, ...m.parameters()]);
    }
  });

  it('training with running statistics leaks no tensors', () => {
    const m = new InstanceNorm1d(3, { affine: true, trackRunningStats: true, dtype: 'float64' });
    const x = randT([2, 3, 5], 5);
    const step = () => tidy(() => void m.call(x).sum().backward());
    step();
    const before = memory().numTensors;
    step();
    step();
    expect(memory().numTensors).toBe(before);
  });

  it('reject bad options and inputs with errors naming the layer', () => {
    expect(() => new GroupNorm(3, 4)).toThrow(/GroupNorm: numChannels 4 must be divisible by numGroups 3/);
    expect(() => new GroupNorm(2, 4).call(randT([2, 6, 3]).cast('float32'))).toThrow(/GroupNorm\(2, 4\): expected input of shape \[N, 4, \*\] but got \[2, 6, 3\]/);
    expect(() => new RMSNorm(4).call(randT([2, 3]).cast('float32'))).toThrow(ShapeError);
    expect(() => new RMSNorm(4).call(randT([2, 4]))).toThrow(DTypeError);
    expect(() => new RMSNorm([])).toThrow(LayerConfigError);
    expect(() => new InstanceNorm1d(3).call(randT([2, 3, 5, 5]).cast('float32'))).toThrow(/InstanceNorm1d\(3\): expected input of shape \[N, 3, L\] or \[3, L\]/);
    expect(() => new InstanceNorm2d(3).call(randT([2, 3, 1, 1]).cast('float32'))).toThrow(/more than 1 spatial element/);
    expect(() => new InstanceNorm1d(3, { momentum: 2 })).toThrow(LayerConfigError);
  });

  it('round-trip through saveModel/loadModel', async () => {
    for (const m of [new RMSNorm([2, 3], { eps: 1e-6 }), new GroupNorm(2, 4, { eps: 1e-3 }), new InstanceNorm1d(3, { affine: true, trackRunningStats: true }), new InstanceNorm2d(5)]) {
      const again = loadModel(await saveModel(m));
      expect(again.constructor).toBe(m.constructor);
      expect(again.getConfig()).toEqual(m.getConfig());
      expect(again.toString()).toBe(m.toString());
    }
  });

  it('reports the worst relative error against PyTorch', () => {
    console.log(`worst relative error vs PyTorch 1.13 (forward and gradients): ${JSON.stringify(worst)}`);
    expect(Object.keys(worst).length).toBe(8);
  });
});
