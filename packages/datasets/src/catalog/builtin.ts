import { FASHION_MNIST_CLASSES, MNIST_CLASSES } from '../assemble.js';
import { CIFAR10_CLASSES } from '../cifar.js';
import { CIFAR100_FINE_CLASSES } from '../cifar100-classes.js';
import { checkCifar100Label } from '../cifar100-dataset.js';
import type { DatasetDescriptor } from '../dataset-registry.js';
import { CIFAR10_SOURCE, CIFAR100_SOURCE, FASHION_MNIST_SOURCE, MNIST_SOURCE } from '../resources.js';
import { MNIST_SAMPLE_FILES, mnistSampleUrl } from '../sample-files.js';
import { readCifar10Split, readCifar100Split } from './cifar.js';
import { readIdxSplit } from './idx.js';

/** The datasets this package knows; each descriptor is all a new dataset needs (see the README). */
export const BUILTIN_DATASETS: readonly DatasetDescriptor[] = [
  {
    name: 'mnist',
    title: 'MNIST',
    description: 'handwritten digits (LeCun et al.): 60,000 train / 10,000 test, 28×28 grey',
    inputShape: [1, 28, 28],
    classes: MNIST_CLASSES,
    source: MNIST_SOURCE,
    fallback: {
      name: 'mnist-sample',
      note:
        'using the bundled real sample of 10,000 digits instead. Get the full set with network access ' +
        '(it downloads into the cache, or TESSERA_DATA_DIR) or place the four MNIST .gz files there.',
    },
    read: (split, files) => readIdxSplit('MNIST', MNIST_CLASSES, split, files),
  },
  {
    name: 'mnist-sample',
    title: 'MNIST sample',
    description: '10,000 real MNIST digits shipped with @tessera/datasets (8,000 train / 2,000 test), offline',
    inputShape: [1, 28, 28],
    classes: MNIST_CLASSES,
    source: {
      id: 'mnist-sample',
      title: 'MNIST sample',
      mirrors: [mnistSampleUrl()],
      files: MNIST_SAMPLE_FILES,
      homepage: MNIST_SOURCE.homepage,
    },
    read: (split, files) => readIdxSplit('MNIST sample', MNIST_CLASSES, split, files),
  },
  {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: "Zalando's clothing images: 60,000 train / 10,000 test, 28×28 grey (MNIST's format)",
    inputShape: [1, 28, 28],
    classes: FASHION_MNIST_CLASSES,
    source: FASHION_MNIST_SOURCE,
    localDirs: ['/usr/share/datasets/fashion-mnist'],
    read: (split, files) => readIdxSplit('Fashion-MNIST', FASHION_MNIST_CLASSES, split, files),
  },
  {
    name: 'cifar10',
    aliases: ['cifar-10'],
    title: 'CIFAR-10',
    description: 'colour images in 10 classes: 50,000 train / 10,000 test, 32×32 RGB',
    inputShape: [3, 32, 32],
    classes: CIFAR10_CLASSES,
    source: CIFAR10_SOURCE,
    read: readCifar10Split,
  },
  {
    name: 'cifar100',
    aliases: ['cifar-100'],
    title: 'CIFAR-100',
    description: 'colour images in 100 fine / 20 coarse classes: 50,000 train / 10,000 test, 32×32 RGB (option label)',
    inputShape: [3, 32, 32],
    classes: CIFAR100_FINE_CLASSES,
    source: CIFAR100_SOURCE,
    read: (split, files, o) => readCifar100Split(split, files, checkCifar100Label(o.label ?? 'fine', "dataset 'cifar100'")),
  },
];
