import { DataError } from '@tessera/core';

/**
 * Where the public datasets live and what their files must look like. The checksums are
 * the published ones, copied from their sources (cited per dataset), never computed here:
 * a download that does not match them byte for byte is rejected.
 */

/** What a downloaded file must be: exact size and checksum(s). */
export interface FileChecksum {
  /** Exact size in bytes. */
  readonly size: number;
  /** SHA-256, lowercase hex. */
  readonly sha256: string;
  /** MD5, lowercase hex (checked where the runtime has MD5: Node). */
  readonly md5?: string;
}

/** A dataset's downloadable files: base URLs tried in order, and each file's checksum. */
export interface DatasetSource {
  /** Short id, also the cache sub-directory (`<cache>/<id>/`). */
  readonly id: string;
  /** Human name for messages. */
  readonly title: string;
  /** Base URLs (ending in `/`), tried in order; a file's URL is base + file name. */
  readonly mirrors: readonly string[];
  /** File name → expected size and checksums. */
  readonly files: Readonly<Record<string, FileChecksum>>;
  /** Where a person can read about the dataset and fetch it by hand. */
  readonly homepage: string;
}

/**
 * MNIST. Sizes and SHA-256 from tensorflow/datasets `url_checksums/mnist.txt`; MD5 from
 * torchvision `datasets/mnist.py` (`MNIST.resources`); mirrors as in torchvision (S3
 * first, LeCun's page last) plus the TFDS bucket.
 */
export const MNIST_SOURCE: DatasetSource = {
  id: 'mnist',
  title: 'MNIST',
  mirrors: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ],
  files: {
    'train-images-idx3-ubyte.gz': {
      size: 9912422,
      sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    },
    'train-labels-idx1-ubyte.gz': {
      size: 28881,
      sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      md5: 'd53e105ee54ea40749a09fcbcd1e9432',
    },
    't10k-images-idx3-ubyte.gz': {
      size: 1648877,
      sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      md5: '9fb629c4189551a2d022fa330f9573f3',
    },
    't10k-labels-idx1-ubyte.gz': {
      size: 4542,
      sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      md5: 'ec29112dd5afa0611ce80d1b7f02629c',
    },
  },
  homepage: 'http://yann.lecun.com/exdb/mnist/',
};

/**
 * Fashion-MNIST. Sizes and SHA-256 from tensorflow/datasets
 * `url_checksums/fashion_mnist.txt`; MD5 from torchvision `datasets/mnist.py`
 * (`FashionMNIST.resources`, the values of Zalando's README). Debian's
 * `dataset-fashion-mnist` re-compresses the same data, so its .gz files differ: they are
 * read from a directory (`root`), never verified against these.
 */
export const FASHION_MNIST_SOURCE: DatasetSource = {
  id: 'fashion-mnist',
  title: 'Fashion-MNIST',
  mirrors: [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
  ],
  files: {
    'train-images-idx3-ubyte.gz': {
      size: 26421880,
      sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    },
    'train-labels-idx1-ubyte.gz': {
      size: 29515,
      sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      md5: '25c81989df183df01b3e8a0aad5dffbe',
    },
    't10k-images-idx3-ubyte.gz': {
      size: 4422102,
      sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      md5: 'bef4ecab320f06d8554ea6380940ec79',
    },
    't10k-labels-idx1-ubyte.gz': {
      size: 5148,
      sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      md5: 'bb300cfdad3c16e7a12a480ee83cd310',
    },
  },
  homepage: 'https://github.com/zalandoresearch/fashion-mnist',
};

/** The CIFAR-10 binary archive's name. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';

/**
 * CIFAR-10, binary version. Size and SHA-256 from tensorflow/datasets
 * `url_checksums/cifar10.txt`; MD5 from the dataset's page
 * (https://www.cs.toronto.edu/~kriz/cifar.html, "CIFAR-10 binary version").
 */
export const CIFAR10_SOURCE: DatasetSource = {
  id: 'cifar-10',
  title: 'CIFAR-10',
  mirrors: ['https://www.cs.toronto.edu/~kriz/'],
  files: {
    [CIFAR10_ARCHIVE]: {
      size: 170052171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    },
  },
  homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
};

/** The CIFAR-100 binary archive's name. */
export const CIFAR100_ARCHIVE = 'cifar-100-binary.tar.gz';

/**
 * CIFAR-100, binary version. Size and SHA-256 from tensorflow/datasets
 * `url_checksums/cifar100.txt`; MD5 from the dataset's page
 * (https://www.cs.toronto.edu/~kriz/cifar.html, "CIFAR-100 binary version").
 */
export const CIFAR100_SOURCE: DatasetSource = {
  id: 'cifar-100',
  title: 'CIFAR-100',
  mirrors: ['https://www.cs.toronto.edu/~kriz/'],
  files: {
    [CIFAR100_ARCHIVE]: {
      size: 168513733,
      sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
      md5: '03b5dce01913d631647c71ecec9e9cb8',
    },
  },
  homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
};

/** The IDX file names of a split (images, labels), without `.gz`. */
export const IDX_SPLIT_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** A dataset split. */
export type Split = 'train' | 'test';

/** @internal validates a split option */
export function checkSplit(split: unknown, where: string): Split {
  if (split === 'train' || split === 'test') return split;
  throw new DataError(`${where}: split must be 'train' or 'test' (got '${String(split)}').`);
}

/** Joins a mirror base URL and a file name. */
export function mirrorUrl(base: string, file: string): string {
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}
