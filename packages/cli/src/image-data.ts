import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ImageDataset, stratifiedSplit } from '@tessera/datasets';
import { ImageFolder } from '@tessera/datasets/node';
import type { LoadedData } from './data.js';
import { CliError } from './errors.js';
import { type ImageShape, modelNames, modelSpec } from './models.js';

/**
 * `tessera train --data`: a user's own images (a folder with one subfolder per class, a
 * folder holding `train/` and `test/` such folders, or a CSV/JSON manifest), brought to a
 * zoo model's input size by `resizeCenterCrop` and decoded once into memory.
 */

/** Least width and height over the images, read from their headers. */
interface SmallestImage {
  readonly width: number;
  readonly height: number;
  readonly path: string;
}

/** An image folder or manifest found on disk, not yet decoded. */
export interface ImageSource {
  /** The path as resolved. */
  readonly path: string;
  /** e.g. "image folder ./shapes (3 classes, 300 images)". */
  readonly title: string;
  readonly train: ImageFolder;
  /** The `test/` folder when the source has one; else the test split is held out of `train`. */
  readonly test: ImageFolder | null;
  readonly classes: readonly string[];
  readonly smallest: SmallestImage;
}

/** Side of the images fed to a model that takes any size (the MLP), at most. */
const ANY_SIZE_SIDE = 32;

/** Seed of the held-out test split: fixed, so every run on one folder is tested on the same images. */
const TEST_SPLIT_SEED = 0;

const hasDir = (dir: string, name: string): boolean => {
  try {
    return statSync(join(dir, name)).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Opens `--data`: a manifest file (`.csv` or `.json`), a folder with `train/` and `test/`
 * subfolders (each one subfolder per class), or a folder with one subfolder per class.
 */
export function openImageSource(path: string): ImageSource {
  const dir = resolve(path);
  let isFile: boolean;
  try {
    isFile = statSync(dir).isFile();
  } catch {
    throw new CliError(
      `--data ${path}: does not exist; give a folder with one subfolder per class (${path}/cat/1.jpg, ${path}/dog/2.png) ` +
        'or a CSV/JSON manifest.',
    );
  }
  let train: ImageFolder;
  let test: ImageFolder | null = null;
  if (isFile) {
    train = ImageFolder.fromManifest(dir);
  } else if (hasDir(dir, 'train') && hasDir(dir, 'test')) {
    train = ImageFolder.fromDirectory(join(dir, 'train'));
    test = ImageFolder.fromDirectory(join(dir, 'test'), { classes: train.classes });
  } else {
    train = ImageFolder.fromDirectory(dir);
  }
  if (train.classes.length < 2) {
    throw new CliError(
      `--data ${path}: has one class (${train.classes.join('')}); a classifier needs at least two (one subfolder per class).`,
    );
  }
  const smallest = [train, ...(test ? [test] : [])].map((f) => f.smallest()).reduce((a, b) => ({
    width: Math.min(a.width, b.width),
    height: Math.min(a.height, b.height),
    path: a.width * a.height <= b.width * b.height ? a.path : b.path,
  }));
  const count = train.length + (test?.length ?? 0);
  const kind = isFile ? 'manifest' : 'image folder';
  const title = `${kind} ${basename(dir)} (${train.classes.length} classes, ` +
    `${count.toLocaleString('en-US')} images${test ? `, ${test.length.toLocaleString('en-US')} of them in test/` : ''})`;
  return { path: dir, title, train, test, classes: train.classes, smallest };
}

/** Whether a model made for `shape` (undefined: any size) can be fed these images without enlarging any. */
function fits(shape: ImageShape | undefined, smallest: SmallestImage): boolean {
  return shape === undefined || (shape[1] <= smallest.height && shape[2] <= smallest.width);
}

/** The registered models that fit, each with the input it takes, e.g. `mnist-cnn (1×28×28)`. */
function fittingModels(smallest: SmallestImage): string[] {
  return modelNames()
    .map((n) => modelSpec(n))
    .filter((m) => fits(m.inputShape, smallest))
    .map((m) => `${m.name} (${m.inputShape ? m.inputShape.join('×') : 'any size'})`);
}

/**
 * The input shape `[C, H, W]` the images are brought to for `model`: the model's own, or
 * for a model that takes any size, RGB at most 32×32 (never larger than the images). A
 * model that would need the images enlarged is a `CliError` listing the models that fit.
 */
export function imageShapeFor(model: string, source: ImageSource, data: string): ImageShape {
  const spec = modelSpec(model);
  const s = source.smallest;
  if (fits(spec.inputShape, s) && spec.inputShape) return spec.inputShape;
  if (!spec.inputShape) return [3, Math.min(ANY_SIZE_SIDE, s.height), Math.min(ANY_SIZE_SIDE, s.width)];
  const ok = fittingModels(s);
  const [c, h, w] = spec.inputShape;
  throw new CliError(
    `model '${model}' takes ${c}×${h}×${w} images (C×H×W) but --data ${data} has images as small as ${s.width}×${s.height} ` +
      `(width×height; e.g. ${s.path}), and tessera train shrinks and crops images, never enlarges them. ` +
      `Models that fit these images: ${ok.join(', ')}; choose one with --model, or use larger images.`,
  );
}

/** Copies the images at `indices` into a new in-memory dataset. */
function pick(d: ImageDataset, indices: Int32Array): ImageDataset {
  const size = d.imageSize;
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    images.set(d.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = d.labels[i];
  });
  return new ImageDataset(images, labels, [d.shape[1], d.shape[2], d.shape[3]], d.classes);
}

/**
 * Decodes the source at `shape` (each image resized to cover it, keeping its aspect ratio,
 * and centre-cropped) and returns both splits: the `test/` folder, or else `testSplit` of
 * the images held out, stratified by class with a fixed seed.
 */
export function loadImageData(source: ImageSource, shape: ImageShape, o: { testSplit: number; log: (line: string) => void }): LoadedData {
  const [c, h, w] = shape;
  if (c !== 1 && c !== 3)
    throw new CliError(`the model takes ${c}-channel images; tessera train --data feeds 1 (grey) or 3 (RGB) channels.`);
  const opts = { size: [h, w] as const, channels: c as 1 | 3, resize: 'center-crop' as const };
  const decode = (f: ImageFolder): ImageDataset => new ImageFolder(f.samples, source.classes, opts).toImageDataset();
  o.log(`Decoding ${source.title} at ${c}×${h}×${w} (resized to cover, centre-cropped)…`);
  const all = decode(source.train);
  let train = all;
  let test: ImageDataset;
  let how: string;
  if (source.test) {
    test = decode(source.test);
    how = 'test/ folder';
  } else {
    const split = stratifiedSplit(all.labels, o.testSplit, TEST_SPLIT_SEED);
    train = pick(all, split.train);
    test = pick(all, split.validation);
    how = `--test-split ${o.testSplit}, stratified, fixed seed`;
  }
  const n = (d: ImageDataset): string => d.length.toLocaleString('en-US');
  return {
    train,
    test,
    classes: source.classes,
    source: `${source.title} at ${source.path}: ${n(train)} train / ${n(test)} test (${how})`,
    note: null,
  };
}
