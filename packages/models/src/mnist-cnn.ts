import { describeZoo } from './zoo-config.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@tessera/layers';
import { positiveInt } from './errors.js';

/** Options of {@link mnistCnn}. */
export interface MnistCnnOptions {
  /** Input channels (default 1). */
  readonly inChannels?: number;
  /** Classes (default 10). */
  readonly numClasses?: number;
}

/**
 * The classic MNIST CNN for 1×28×28 digits: conv 1→32 k5, maxpool 3, relu, conv 32→64 k5,
 * maxpool 2, relu, fc 256→200, relu, fc 200→10 (28→24→8→4→2, so 64·2·2 = 256 features).
 *
 * @example
 * const net = mnistCnn(); // 105,506 parameters
 */
export function mnistCnn(opts: MnistCnnOptions = {}): Sequential {
  return describeZoo(buildMnistCnn(opts), 'mnistCnn', [opts]);
}

function buildMnistCnn(opts: MnistCnnOptions = {}): Sequential {
  const { inChannels = 1, numClasses = 10 } = opts;
  positiveInt('mnistCnn', 'inChannels', inChannels);
  positiveInt('mnistCnn', 'numClasses', numClasses);
  return new Sequential(
    new Conv2d(inChannels, 32, 5),
    new MaxPool2d(3),
    new ReLU(),
    new Conv2d(32, 64, 5),
    new MaxPool2d(2),
    new ReLU(),
    new Flatten(),
    new Linear(256, 200),
    new ReLU(),
    new Linear(200, numClasses),
  );
}
