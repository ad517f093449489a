/**
 * MLP 784-256-256-10 training step at batch 128: linear+relu ×2, linear, mean softmax
 * cross-entropy with integer labels, backward, plain SGD (lr 0.01) on all six tensors.
 */
import { mlpData } from '../data.js';
import { once, type Workload } from './types.js';

const MLP_BATCH = 128;

export function mlpTrainWorkload(): Workload {
  const data = once(() => mlpData(MLP_BATCH));
  return {
    id: 'mlp-train',
    label: `MLP 784-256-256-10 train b${MLP_BATCH}`,
    unit: 'samples/s',
    throughput: (ms) => MLP_BATCH / (ms * 1e-3),
    prepare: (a) => a.mlpTrain?.(data()),
    probe: 'loss + ∇ all params, step 1',
  };
}
