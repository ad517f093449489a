import { manualSeed } from '@tessera/core';
import { DataLoader, type ImageBatch } from '@tessera/datasets';
import { type LeCun1989Net, lecun1989 } from '@tessera/models';
import { SGD } from '@tessera/optim';
import { fit } from '@tessera/train';
import type { Draw } from './digits.js';

/** The five networks of Table 11.1, in order. */
export const NETS: readonly LeCun1989Net[] = ['net1', 'net2', 'net3', 'net4', 'net5'];

/** The paper's "% correct" on its 160 test digits (ESL Table 11.1). */
export const PAPER: Readonly<Record<LeCun1989Net, number>> = { net1: 80.0, net2: 87.0, net3: 88.5, net4: 94.0, net5: 98.4 };

/** How each network is trained (the same for all five). */
export interface TrainSetup {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly momentum: number;
}

/** Pixels in [0, 1] → [−1, 1], the symmetric range tanh units like. */
const centre = ({ x, y }: ImageBatch): ImageBatch => ({ x: x.mul(2).sub(1), y });

/**
 * Trains one network on a draw and returns its test accuracy after every epoch (the
 * paper's learning curves are on the test set too). The figure reported is the last
 * epoch's: the number of epochs is fixed in advance, nothing is chosen on the test set.
 */
export async function testCurve(net: LeCun1989Net, draw: Draw, seed: number, s: TrainSetup): Promise<number[]> {
  manualSeed(seed);
  const model = lecun1989(net);
  const train = new DataLoader(draw.train, { batchSize: s.batchSize, shuffle: true, transform: centre });
  const test = new DataLoader(draw.test, { batchSize: draw.test.length, transform: centre });
  const h = await fit(model, train, {
    loss: 'crossEntropy', optimizer: new SGD(model.parameters(), { lr: s.lr, momentum: s.momentum }),
    epochs: s.epochs, validationData: test, metrics: ['accuracy'],
  });
  return h.history.val_accuracy.map((a: number) => a * 100);
}
