import { DataError } from '@tessera/core';

/** Bytes per CIFAR-10 binary record: 1 label byte + 3·32·32 pixel bytes. */
export const CIFAR10_RECORD = 3073;

/** Bytes per CIFAR-100 binary record: coarse label byte, fine label byte, 3·32·32 pixel bytes. */
export const CIFAR100_RECORD = 3074;

/** CIFAR-10 class names, index = label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const PIXELS = 3072;

/** One label byte of a CIFAR record layout. */
interface LabelField {
  /** Name in messages ('label', 'coarse label', 'fine label'). */
  readonly name: string;
  /** Number of classes: a byte at or above it is rejected. */
  readonly classes: number;
}

/** Which CIFAR binary format: its name for messages, its label bytes in order, and a hint for wrong labels. */
interface CifarLayout {
  readonly title: string;
  readonly labels: readonly LabelField[];
  readonly fix: string;
  readonly wrongLabel: string;
}

/** Reads records of label bytes then 3072 pixel bytes; one Int32Array per label field. */
function parseCifarRecords(bytes: Uint8Array, file: string, layout: CifarLayout): { images: Uint8Array; labels: Int32Array[] } {
  const head = layout.labels.length;
  const record = head + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    throw new DataError(
      `${file}: ${bytes.length} bytes is not a whole number of ${record}-byte ${layout.title} records ` +
        `(${layout.labels.map((l) => l.name).join(' + ')} + 3072 pixels; ` +
        `${whole} whole record${whole === 1 ? '' : 's'} would be ${whole * record} bytes); the file is truncated or not a ` +
          `${layout.title} binary file: ${layout.fix}`,
    );
  }
  const n = bytes.length / record;
  const images = new Uint8Array(n * PIXELS);
  const labels = layout.labels.map(() => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    const off = i * record;
    for (let k = 0; k < head; k++) {
      const value = bytes[off + k];
      const field = layout.labels[k];
      if (value >= field.classes) {
        throw new DataError(`${file}: record ${i} has ${field.name} ${value}, outside 0..${field.classes - 1}; ${layout.wrongLabel}`);
      }
      labels[k][i] = value;
    }
    images.set(bytes.subarray(off + head, off + record), i * PIXELS);
  }
  return { images, labels };
}

const CIFAR10_LAYOUT: CifarLayout = {
  title: 'CIFAR-10',
  labels: [{ name: 'label', classes: 10 }],
  fix: "put a fresh copy of the 'CIFAR-10 binary version' there.",
  wrongLabel: 'this is not a CIFAR-10 batch (CIFAR-100 uses 2 label bytes).',
};

const CIFAR100_LAYOUT: CifarLayout = {
  title: 'CIFAR-100',
  labels: [
    { name: 'coarse label', classes: 20 },
    { name: 'fine label', classes: 100 },
  ],
  fix: "put a fresh copy of the 'CIFAR-100 binary version' (train.bin, test.bin) there.",
  wrongLabel: 'this is not a CIFAR-100 file (CIFAR-10 batches have 1 label byte).',
};

/**
 * Parses a CIFAR-10 binary batch (`data_batch_1.bin` …): records of one label byte then
 * 3072 pixel bytes (R, G, B planes of 32×32). Returns `[N, 3, 32, 32]` bytes and labels.
 */
export function parseCifar10(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Int32Array } {
  const { images, labels } = parseCifarRecords(bytes, file, CIFAR10_LAYOUT);
  return { images, labels: labels[0] };
}

/**
 * Parses a CIFAR-100 binary file (`train.bin`, `test.bin`): records of a coarse label byte
 * (0..19), a fine label byte (0..99), then 3072 pixel bytes (R, G, B planes of 32×32).
 * Returns `[N, 3, 32, 32]` bytes and both labels.
 *
 * @example
 * const { images, fine, coarse } = parseCifar100(bytes, 'train.bin');
 */
export function parseCifar100(bytes: Uint8Array, file: string): { images: Uint8Array; coarse: Int32Array; fine: Int32Array } {
  const { images, labels } = parseCifarRecords(bytes, file, CIFAR100_LAYOUT);
  return { images, coarse: labels[0], fine: labels[1] };
}
