/**
 * The classic MNIST CNN at batch 100 (28×28 → conv5 24 → pool3 8 → conv5 4 → pool2 2):
 * conv 1→32 k5, maxpool 3/3, relu, conv 32→64 k5, maxpool 2/2, relu, flatten (256),
 * fc 256→200, relu, fc 200→10. Training adds softmax cross-entropy, backward and SGD.
 */
import { cnnData } from '../data.js';
import { once, type Workload } from './types.js';

const CNN_BATCH = 100;

const data = once(() => cnnData(CNN_BATCH));

export function cnnTrainWorkload(): Workload {
  return {
    id: 'cnn-train',
    label: `MNIST CNN train b${CNN_BATCH}`,
    unit: 'samples/s',
    throughput: (ms) => CNN_BATCH / (ms * 1e-3),
    prepare: (a) => a.cnnTrain?.(data()),
    probe: 'loss + ∇ all params, step 1',
  };
}

export function cnnInferWorkload(): Workload {
  return {
    id: 'cnn-infer',
    label: `MNIST CNN infer b${CNN_BATCH}`,
    unit: 'samples/s',
    throughput: (ms) => CNN_BATCH / (ms * 1e-3),
    prepare: (a) => a.cnnInfer?.(data()),
    probe: 'logits',
  };
}
