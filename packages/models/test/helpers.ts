import { expect } from 'vitest';
import { randn, tensor, type Tensor } from '@tessera/core';
import { crossEntropyLoss, type Module } from '@tessera/layers';
import { SGD } from '@tessera/optim';

/** Runs one SGD step on a tiny batch and asserts the loss went down on the same batch. */
export async function expectStepLowersLoss(net: Module<[Tensor], Tensor>, inputShape: number[], classes: number, lr = 0.05): Promise<void> {
  const x = randn(inputShape);
  const y = tensor(Array.from({ length: inputShape[0]! }, (_, i) => i % classes), { dtype: 'int32' });
  const opt = new SGD(net.parameters(), { lr });
  const loss0 = crossEntropyLoss(net.call(x), y);
  loss0.backward();
  opt.step();
  opt.zeroGrad();
  const before = await loss0.item();
  const after = await crossEntropyLoss(net.call(x), y).item();
  expect(after).toBeLessThan(before);
}

/** Builds a value on first use and returns the same instance after (big models are slow to build). */
export function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}
