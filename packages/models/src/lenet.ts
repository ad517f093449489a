import { AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, Tanh } from '@tessera/layers';
import { positiveInt } from './errors.js';

/** Options of {@link lenet5}. */
export interface LeNet5Options {
  readonly inChannels?: number;
  readonly numClasses?: number;
  /**
   * 'modern' (default): conv 5×5 with padding 2 on 28×28, ReLU, max pooling.
   * '1998': LeCun et al.'s layout on 32×32 (C1 6@28×28, S2, C3 16@10×10, S4, C5 120, F6 84,
   * 10) with tanh and average-pooling subsampling. C3 is fully connected here (the paper's
   * partial connection table is not reproduced).
   */
  readonly variant?: 'modern' | '1998';
}

/**
 * LeNet-5. Both variants: 61,706 parameters with a fully connected C3.
 *
 * @example
 * const net = lenet5({ variant: '1998' }); // input [N, 1, 32, 32]
 */
export function lenet5(opts: LeNet5Options = {}): Sequential {
  const { inChannels = 1, numClasses = 10, variant = 'modern' } = opts;
  positiveInt('lenet5', 'inChannels', inChannels);
  positiveInt('lenet5', 'numClasses', numClasses);
  const modern = variant === 'modern';
  const act = () => (modern ? new ReLU() : new Tanh());
  const pool = () => (modern ? new MaxPool2d(2) : new AvgPool2d(2));
  return new Sequential(
    new Conv2d(inChannels, 6, 5, { padding: modern ? 2 : 0 }), act(), pool(),
    new Conv2d(6, 16, 5), act(), pool(),
    new Flatten(),
    new Linear(16 * 25, 120), act(),
    new Linear(120, 84), act(),
    new Linear(84, numClasses),
  );
}
