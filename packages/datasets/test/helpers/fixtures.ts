import { createHash } from 'node:crypto';
import { gzipSync as zlibGzip } from 'node:zlib';
import { CIFAR10_RECORD, CIFAR100_RECORD, encodeIdx, encodeTar, type FileChecksum } from '../../src/index.js';

/** gzip as a plain Uint8Array (a Buffer's slice() would be a view, not a copy). */
export function gzipSync(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(zlibGzip(bytes));
}

/** n images of 28×28 where image i is filled with byte i, labels i % 10, as IDX files. */
export function idxFixture(n: number): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) pixels.fill(i, i * 784, (i + 1) * 784);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return { images: encodeIdx([n, 28, 28], pixels), labels: encodeIdx([n], labels) };
}

/** n CIFAR-10 records: label (first + i) % 10, red plane (first + i) % 256, green 100, blue 200. */
function cifarBatch(n: number, first = 0): Uint8Array {
  const out = new Uint8Array(n * CIFAR10_RECORD);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR10_RECORD;
    out[o] = (first + i) % 10;
    out.fill((first + i) % 256, o + 1, o + 1025);
    out.fill(100, o + 1025, o + 2049);
    out.fill(200, o + 2049, o + 3073);
  }
  return out;
}

/** A miniature `cifar-10-binary.tar.gz`: 2 records per train batch, 3 in the test batch. */
export function cifarArchive(): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (let i = 1; i <= 5; i++) files[`cifar-10-batches-bin/data_batch_${i}.bin`] = cifarBatch(2, (i - 1) * 2);
  files['cifar-10-batches-bin/test_batch.bin'] = cifarBatch(3);
  files['cifar-10-batches-bin/batches.meta.txt'] = new TextEncoder().encode('airplane\nautomobile\n');
  return gzipSync(encodeTar(files));
}

/** The gzipped MNIST-format files of a fixture, under their download names. */
export function idxGzFiles(train: number, test: number): Record<string, Uint8Array> {
  const tr = idxFixture(train);
  const te = idxFixture(test);
  return {
    'train-images-idx3-ubyte.gz': gzipSync(tr.images),
    'train-labels-idx1-ubyte.gz': gzipSync(tr.labels),
    't10k-images-idx3-ubyte.gz': gzipSync(te.images),
    't10k-labels-idx1-ubyte.gz': gzipSync(te.labels),
  };
}

/** Checksums of fixture bytes (test data only: the real datasets' values are the published ones in src/resources.ts). */
export function checksumOf(bytes: Uint8Array): FileChecksum {
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

/** n CIFAR-100 records: coarse (first + i) % 20, fine (first + i) % 100, red plane (first + i) % 256, green 50, blue 250. */
export function cifar100Records(n: number, first = 0): Uint8Array {
  const out = new Uint8Array(n * CIFAR100_RECORD);
  for (let i = 0; i < n; i++) {
    const o = i * CIFAR100_RECORD;
    out[o] = (first + i) % 20;
    out[o + 1] = (first + i) % 100;
    out.fill((first + i) % 256, o + 2, o + 1026);
    out.fill(50, o + 1026, o + 2050);
    out.fill(250, o + 2050, o + 3074);
  }
  return out;
}

/** A miniature `cifar-100-binary.tar.gz`: 4 train records (labels from 30), 2 test records (from 97), and the name lists. */
export function cifar100Archive(): Uint8Array {
  return gzipSync(
    encodeTar({
      'cifar-100-binary/train.bin': cifar100Records(4, 30),
      'cifar-100-binary/test.bin': cifar100Records(2, 97),
      'cifar-100-binary/fine_label_names.txt': new TextEncoder().encode('apple\naquarium_fish\n'),
      'cifar-100-binary/coarse_label_names.txt': new TextEncoder().encode('aquatic_mammals\nfish\n'),
    }),
  );
}
