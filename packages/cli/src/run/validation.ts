import { createHash } from 'node:crypto';
import { type ImageBatch, type ImageDataset, type ImageExample, type Subset, stratifiedSplit, subset } from '@tessera/datasets';
import { CliError } from '../errors.js';

/** What config.json records about the validation set, so a resume can check it rebuilt the same one. */
export interface ValidationRecord {
  /** Fraction of the training data held out (0: no validation set). */
  readonly fraction: number;
  /** Seed of the split (the run's `--seed`). */
  readonly seed: number;
  /** Examples left to train on and held out. */
  readonly train: number;
  readonly validation: number;
  /** Held-out examples per class (index = label). */
  readonly perClass: readonly number[];
  /** SHA-256 of the held-out indices (int32, little-endian) into the training split. */
  readonly sha256: string;
}

/** The training data of a run, split into what it trains on and what it validates on. */
export interface HeldOut {
  readonly train: Subset<ImageExample, ImageBatch>;
  /** Null with `--validation-split 0`. */
  readonly validation: Subset<ImageExample, ImageBatch> | null;
  readonly record: ValidationRecord;
}

const fingerprint = (idx: Int32Array): string =>
  createHash('sha256').update(new Uint8Array(idx.buffer, idx.byteOffset, idx.byteLength)).digest('hex');

/**
 * Holds `fraction` of the first `limit` training examples out as the validation set,
 * stratified by class and seeded by `seed` alone (`stratifiedSplit`), so the same options
 * always give the same split. With `recorded` (a resume) the rebuilt split must match the
 * recorded one, or the run's data changed under it: a `CliError`.
 */
export function holdOutValidation(
  data: ImageDataset,
  o: { limit?: number; fraction: number; seed: number; recorded?: ValidationRecord },
): HeldOut {
  const n = Math.min(o.limit ?? data.length, data.length);
  const split = stratifiedSplit(data.labels.subarray(0, n), o.fraction, o.seed);
  const perClass = new Array<number>(Math.max(0, ...data.labels.subarray(0, n)) + 1).fill(0);
  for (const i of split.validation) perClass[data.labels[i]]++;
  const record: ValidationRecord = {
    fraction: o.fraction,
    seed: o.seed,
    train: split.train.length,
    validation: split.validation.length,
    perClass,
    sha256: fingerprint(split.validation),
  };
  if (o.recorded && o.recorded.sha256 !== record.sha256) {
    throw new CliError(
      `--resume: the validation set rebuilt from --validation-split ${o.fraction} and --seed ${o.seed} (${record.validation} examples, ` +
        `sha256 ${record.sha256.slice(0, 12)}…) differs from the run's (${o.recorded.validation} examples, sha256 ` +
          `${o.recorded.sha256.slice(0, 12)}…); the training data changed since the run started. Start a new run in another --out.`,
    );
  }
  return {
    train: subset(data, split.train),
    validation: split.validation.length > 0 ? subset(data, split.validation) : null,
    record,
  };
}
