import { DataError } from '@tessera/core';

/** Bytes per CIFAR-10 binary record: 1 label byte + 3·32·32 pixel bytes. */
export const CIFAR10_RECORD = 3073;

/** CIFAR-10 class names, index = label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/**
 * Parses a CIFAR-10 binary batch (`data_batch_1.bin` …): records of one label byte then
 * 3072 pixel bytes (R, G, B planes of 32×32). Returns `[N, 3, 32, 32]` bytes and labels.
 */
export function parseCifar10(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD !== 0) {
    throw new DataError(
      `${file}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD}-byte CIFAR-10 records (1 label + 3072 pixels); the file is truncated or not a CIFAR-10 binary batch: put a fresh copy of the 'CIFAR-10 binary version' there.`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD;
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * CIFAR10_RECORD;
    const label = bytes[off];
    if (label > 9) {
      throw new DataError(`${file}: record ${i} has label ${label}, outside 0..9; this is not a CIFAR-10 batch (CIFAR-100 uses 2 label bytes).`);
    }
    labels[i] = label;
    images.set(bytes.subarray(off + 1, off + CIFAR10_RECORD), i * 3072);
  }
  return { images, labels };
}
