/**
 * @packageDocumentation
 * `tessera/node`: the Node-only helpers — dataset files (MNIST, Fashion-MNIST, CIFAR-10
 * loaders, downloads and cache) as `data`, checkpoint files and log sinks as `train`.
 */
export * as data from '@tessera/datasets/node';
export * as train from '@tessera/train/node';
