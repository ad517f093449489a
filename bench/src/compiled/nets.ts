/**
 * The two training workloads of the compiled-step section: the MLP 784-256-256-10 at batch
 * 128 and `mnistCnn()` at batch 100 (from @tessera/models), with seeded inputs made
 * directly on the current default backend (the data is on the device before training).
 */
import { manualSeed, randint, randn, type Tensor } from '@tessera/core';
import type { Sequential } from '@tessera/layers';
import { mlp, mnistCnn } from '@tessera/models';
import type { NetId } from './types.js';

export interface NetSpec {
  readonly id: NetId;
  readonly label: string;
  readonly batch: number;
  /** Shape of one example. */
  readonly example: readonly number[];
  readonly make: () => Sequential;
}

export const NETS: Readonly<Record<NetId, NetSpec>> = {
  mlp: {
    id: 'mlp',
    label: 'MLP 784-256-256-10',
    batch: 128,
    example: [784],
    make: () => mlp({ inFeatures: 784, hidden: [256, 256], outFeatures: 10 }),
  },
  cnn: { id: 'cnn', label: 'mnistCnn', batch: 100, example: [1, 28, 28], make: () => mnistCnn() },
};

/** Learning rate of every compiled-section run (the lecture deck's). */
export const SECTION_LR = 0.1;

/** `batches` full batches of seeded inputs and int32 labels on the default backend. */
export function deviceData(spec: NetSpec, batches: number, seed = 15): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  const n = spec.batch * batches;
  return { x: randn([n, ...spec.example]), y: randint(0, 10, [n], { dtype: 'int32' }) };
}
