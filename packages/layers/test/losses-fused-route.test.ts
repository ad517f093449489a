import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_API_VERSION, type AnyKernel, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropyLoss, nllLoss } from '../src/index.js';
import { f64, i32 } from './losses-reference.js';

/** A CPU kernel for core's softmaxCrossEntropy composite that records the call and refuses to run. */
class Routed extends Error {}
const calls: string[] = [];
const marker: AnyKernel = () => {
  calls.push('softmaxCrossEntropy');
  throw new Routed('softmaxCrossEntropy kernel reached');
};

beforeAll(() => {
  use(cpu());
  use({ kind: 'kernels', name: 'test-ce-marker', coreApi: CORE_API_VERSION, backend: 'cpu', kernels: { softmaxCrossEntropy: marker } });
});

describe('crossEntropyLoss routes its common case to the softmaxCrossEntropy composite', () => {
  const x = () => f64([2, 0, -1, 0.5, 0.5, 3], [2, 3]);
  const t = () => i32([0, 2], [2]);

  it('logits [N, C] and [C] with int32 labels, any reduction, reach a backend kernel of that name', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) expect(() => crossEntropyLoss(x(), t(), { reduction })).toThrow(Routed);
    expect(() => crossEntropyLoss(f64([1, 2, 3], [3]), i32([1], []))).toThrow(Routed);
    expect(calls.length).toBe(4);
  });

  it('class weights, label smoothing, soft targets, [N, C, d] inputs and nllLoss keep the decomposition', () => {
    const before = calls.length;
    crossEntropyLoss(x(), t(), { weight: f64([1, 2, 3], [3]) });
    crossEntropyLoss(x(), t(), { labelSmoothing: 0.1 });
    crossEntropyLoss(x(), f64([1, 0, 0, 0, 0, 1], [2, 3]));
    crossEntropyLoss(f64([1, 2, 3, 4, 5, 6], [1, 3, 2]), i32([0, 2], [1, 2]));
    nllLoss(x(), t());
    expect(calls.length).toBe(before);
  });
});
