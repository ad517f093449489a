import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_API_VERSION, type AnyKernel, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Conv1d, Conv2d, Linear } from '../src/index.js';

/** A CPU kernel for core's biasActivation composite that records its attributes and refuses to run. */
class Routed extends Error {}
const calls: unknown[] = [];
const marker: AnyKernel = ({ attrs }) => {
  calls.push(attrs);
  throw new Routed('biasActivation kernel reached');
};

beforeAll(() => {
  use(cpu());
  use({ kind: 'kernels', name: 'test-bias-marker', coreApi: CORE_API_VERSION, backend: 'cpu', kernels: { biasActivation: marker } });
});

describe('Linear and the convolutions route bias + activation to the biasActivation composite', () => {
  it('with a bias, every activation (the default linear too) reaches a backend kernel of that name, with the right axis', () => {
    expect(() => new Linear(4, 3, { activation: 'relu' }).call(randn([2, 4]))).toThrow(Routed);
    expect(() => new Linear(4, 3).call(randn([2, 5, 4]))).toThrow(Routed);
    expect(() => new Conv2d(1, 2, 3, { activation: 'sigmoid' }).call(randn([1, 1, 5, 5]))).toThrow(Routed);
    expect(() => new Conv1d(1, 2, 3, { activation: 'tanh' }).call(randn([1, 1, 5]))).toThrow(Routed);
    expect(calls).toEqual([
      { axis: 1, activation: 'relu' },
      { axis: 2, activation: 'linear' },
      { axis: 1, activation: 'sigmoid' },
      { axis: 1, activation: 'tanh' },
    ]);
  });

  it('without a bias the activation runs alone', () => {
    const before = calls.length;
    expect(new Linear(4, 3, { bias: false, activation: 'relu' }).call(randn([2, 4])).min().itemSync() as number).toBeGreaterThanOrEqual(0);
    new Conv2d(1, 2, 3, { bias: false, activation: 'tanh' }).call(randn([1, 1, 5, 5]));
    expect(calls.length).toBe(before);
  });
});
