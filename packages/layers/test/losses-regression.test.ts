import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { HuberLoss, L1Loss, LayerConfigError, Module, MSELoss, SmoothL1Loss, huberLoss, l1Loss, mseLoss, smoothL1Loss } from '../src/index.js';
import type { Reduction, ReductionOptions } from '../src/index.js';
import { expectClose, gradCheck, randT } from './helpers.js';
import { f64, read, reduced } from './losses-reference.js';

beforeAll(() => use(cpu()));

// d = input − target = [0.5, −3, 2, 0.5]
const X = [0.5, -2, 3, 0.1];
const Y = [0, 1, 1, -0.4];

type Fn = (x: Tensor, y: Tensor, o: ReductionOptions & Record<string, unknown>) => Tensor;
const CASES: { name: string; fn: Fn; opts: Record<string, number>; per: number[] }[] = [
  { name: 'mse', fn: mseLoss, opts: {}, per: [0.25, 9, 4, 0.25] },
  { name: 'l1', fn: l1Loss, opts: {}, per: [0.5, 3, 2, 0.5] },
  // ½d² inside δ, δ(|d| − ½δ) outside
  { name: 'huber δ=1', fn: huberLoss, opts: { delta: 1 }, per: [0.125, 2.5, 1.5, 0.125] },
  { name: 'huber δ=2.5', fn: huberLoss, opts: { delta: 2.5 }, per: [0.125, 4.375, 2, 0.125] },
  // ½d²/β inside β, |d| − ½β outside
  { name: 'smoothL1 β=2', fn: smoothL1Loss, opts: { beta: 2 }, per: [0.0625, 2, 1, 0.0625] },
  { name: 'smoothL1 β=0 (= L1)', fn: smoothL1Loss, opts: { beta: 0 }, per: [0.5, 3, 2, 0.5] },
];

describe('regression losses', () => {
  for (const c of CASES) {
    it(`${c.name}: every reduction matches the hand values`, () => {
      const want = reduced(c.per);
      for (const reduction of ['none', 'sum', 'mean'] as Reduction[]) {
        const got = read(c.fn(f64(X), f64(Y), { ...c.opts, reduction }));
        expectClose(got, reduction === 'none' ? want.none : [want[reduction]], 1e-12);
      }
      expectClose(read(c.fn(f64(X), f64(Y), c.opts)), [want.mean], 1e-12); // default is mean
    });

    it(`${c.name}: float64 gradient matches finite differences`, () => {
      const x = randT([3, 4], 3, 3).requiresGrad_();
      const y = randT([3, 4], 4);
      gradCheck(() => c.fn(x, y, { ...c.opts, reduction: 'none' }), [x]);
      gradCheck(() => c.fn(x, y, { ...c.opts, reduction: 'mean' }), [x]);
    });
  }

  it('smoothL1(β) equals huber(δ=β)/β', () => {
    const x = randT([10], 5, 4);
    const y = randT([10], 6);
    const a = read(smoothL1Loss(x, y, { beta: 1.5, reduction: 'none' }));
    const b = read(huberLoss(x, y, { delta: 1.5, reduction: 'none' })).map((v) => v / 1.5);
    expectClose(a, b, 1e-12);
  });

  it('modules call the functions with their options and print them', () => {
    const m = new HuberLoss({ delta: 2.5, reduction: 'sum' });
    expect(m).toBeInstanceOf(Module);
    expectClose(read(m.call(f64(X), f64(Y))), [0.125 + 4.375 + 2 + 0.125], 1e-12);
    expect(m.toString()).toBe("HuberLoss(delta=2.5, reduction='sum')");
    expect(new MSELoss().toString()).toBe('MSELoss()');
    expectClose(read(new L1Loss({ reduction: 'none' }).call(f64(X), f64(Y))), [0.5, 3, 2, 0.5], 1e-12);
    expectClose(read(new SmoothL1Loss().call(f64(X), f64(Y))), [(0.125 + 2.5 + 1.5 + 0.125) / 4], 1e-12);
    expect(m.parameters()).toEqual([]);
  });

  it('rejects mismatched shapes and dtypes, and bad options, naming the loss', () => {
    expect(() => mseLoss(f64([1, 2]), f64([1, 2, 3]))).toThrow(ShapeError);
    expect(() => mseLoss(f64([1, 2]), f64([1, 2, 3]))).toThrow(/mseLoss: input \[2\] and target \[3\]/);
    expect(() => l1Loss(f64([1, 2]), tensor([1, 2]))).toThrow(DTypeError);
    expect(() => l1Loss(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2], { dtype: 'int32' }))).toThrow(/l1Loss: input must be float/);
    expect(() => huberLoss(f64([1]), f64([1]), { delta: 0 })).toThrow(LayerConfigError);
    expect(() => smoothL1Loss(f64([1]), f64([1]), { beta: -1 })).toThrow(/smoothL1Loss: beta/);
    expect(() => mseLoss(f64([1]), f64([1]), { reduction: 'avg' as Reduction })).toThrow(/mseLoss: reduction must be/);
  });

  it('leaks no tensors', () => {
    const x = f64(X);
    const y = f64(Y);
    const before = memory().numTensors;
    for (const c of CASES) tidy(() => void c.fn(x, y, c.opts).add(1));
    for (const c of CASES) c.fn(x, y, { ...c.opts, reduction: 'none' }).dispose();
    expect(memory().numTensors).toBe(before);
  });
});
