import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DataError } from '@tessera/core';
import { IdxImageDataset, idxImageDataset, MNIST_CLASSES, type NamedBytes } from '../assemble.js';
import { checksumMismatch } from '../mirrors.js';
import { checkSplit, IDX_SPLIT_FILES, type Split } from '../resources.js';
import { MNIST_SAMPLE_DIR, MNIST_SAMPLE_FILES } from '../sample-files.js';

const cache = new Map<Split, IdxImageDataset>();

/** Reads one shipped sample file (next to this module, in the package), checks it and gunzips it. */
function readSampleFile(name: string): NamedBytes {
  // dist/node/sample.js and src/node/sample.ts both sit two levels below the package root.
  const path = fileURLToPath(new URL(`../../${MNIST_SAMPLE_DIR}/${name}`, import.meta.url));
  const reinstall = 'the @tessera/datasets install is damaged: reinstall it (delete node_modules/@tessera/datasets and install again).';
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DataError(`MNIST.sample: ${path} cannot be read (${(e as Error).message}); ${reinstall}`);
  }
  const expected = MNIST_SAMPLE_FILES[name];
  const why = expected && checksumMismatch(expected, { size: raw.length, sha256: createHash('sha256').update(raw).digest('hex') });
  if (!expected || why) throw new DataError(`MNIST.sample: ${path}: ${why ?? 'is not a sample file'}; ${reinstall}`);
  return { bytes: gunzipSync(raw), file: path };
}

/**
 * 10,000 real MNIST digits shipped inside @tessera/datasets (gzipped IDX files, checked
 * against `MNIST_SAMPLE_FILES`), offline: a fixed 8,000/2,000 train/test split, the same
 * digits in the same order on every machine.
 */
export function mnistSample(opts: { readonly split?: Split } = {}): IdxImageDataset {
  const split = checkSplit(opts.split ?? 'train', 'MNIST.sample');
  let ds = cache.get(split);
  if (!ds) {
    const [images, labels] = IDX_SPLIT_FILES[split].map((base) => readSampleFile(`${base}.gz`));
    ds = idxImageDataset('MNIST sample', MNIST_CLASSES, split, images, labels);
    cache.set(split, ds);
  }
  // A fresh copy each call, as before: callers may transform the arrays in place.
  return new IdxImageDataset(ds.images.slice(), ds.labels.slice(), 28, 28, MNIST_CLASSES, split, ds.files);
}
