import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { DataError, tensor } from '@tessera/core';
import { checkIndex, type BatchOptions, type Dataset } from '../dataset.js';
import { ImageDataset, type ImageBatch } from '../image-dataset.js';
import { readImageHeader } from '../image-header.js';
import { checkChannels, rgbaToPlanes, type FloatImage, type ImageChannels } from '../pixels.js';
import { resizeCenterCrop, resizeImage } from '../resize.js';
import { decodeImageFile, maxImagePixels } from './decode.js';
import { readManifest } from './manifest.js';

/** File extensions `ImageFolder` reads by default (lower case; matched case-insensitively). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** One image file and its class index. */
export interface ImageSample {
  readonly path: string;
  readonly label: number;
}

/** One decoded example: `image` float `[C, H, W]` in [0, 1]. */
export interface ImageFolderExample {
  readonly image: FloatImage;
  readonly label: number;
  readonly path: string;
}

/** Options of `ImageFolder`. */
export interface ImageFolderOptions {
  /** 3 (RGB, default) or 1 (grey, BT.601 luminance). Alpha is dropped. */
  readonly channels?: ImageChannels;
  /**
   * Resize every image to this `[height, width]` (or a square side) by area averaging.
   * Without it, a batch needs all its images to have the same size.
   */
  readonly size?: number | readonly [number, number];
  /**
   * How `size` is reached: 'stretch' (default) scales each side on its own; 'center-crop'
   * keeps the aspect ratio, covering the size, and cuts out the centre (torchvision's
   * `Resize` + `CenterCrop`).
   */
  readonly resize?: 'stretch' | 'center-crop';
  /** Keep decoded (and resized) images in memory after their first use (default false). */
  readonly cache?: boolean;
  /** Most pixels an image may have, checked from its header before decoding (default `TESSERA_MAX_IMAGE_PIXELS`, else 4096 × 4096). */
  readonly maxPixels?: number;
  /** File extensions to read, lower case with the dot (default `IMAGE_EXTENSIONS`); others are skipped. */
  readonly extensions?: readonly string[];
  /** The class names in label order; default: the names found, sorted. Pass the training set's to keep labels the same in another split. */
  readonly classes?: readonly string[];
}

function sizeOf(size: ImageFolderOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new DataError(
      `ImageFolder: size must be a positive integer or [height, width] of positive integers (got ${JSON.stringify(size)}).`,
    );
  }
  return [h, w];
}

/** Names sorted by code point (as Python's sorted(), so labels match torchvision's). */
function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Image files under `dir`, recursively, sorted. */
function imageFiles(dir: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...imageFiles(p, extensions));
    else if (e.isFile() && extensions.includes(extname(e.name).toLowerCase())) out.push(p);
  }
  return sorted(out);
}

/**
 * Labelled image files as a Dataset, decoded (PNG, JPEG) when an example or batch is
 * asked for: torchvision's `ImageFolder`. Batches are `x` float32 `[B, C, H, W]` in [0, 1]
 * and `y` int32 `[B]`, ready for `DataLoader` and `fit`.
 *
 * @example
 * const train = ImageFolder.fromDirectory('./pets/train', { size: 64 });
 * const test = ImageFolder.fromDirectory('./pets/test', { size: 64, classes: train.classes });
 */
export class ImageFolder implements Dataset<ImageFolderExample, ImageBatch> {
  readonly length: number;
  readonly channels: ImageChannels;
  /** `[height, width]` every image is resized to, when fixed. */
  readonly size: readonly [number, number] | undefined;
  /** How images are brought to `size`. */
  readonly resize: 'stretch' | 'center-crop';
  private readonly maxPixels: number;
  private readonly cache: Map<number, FloatImage> | undefined;

  constructor(
    /** The files and their labels. */
    readonly samples: readonly ImageSample[],
    /** Class names, index = label. */
    readonly classes: readonly string[],
    opts: ImageFolderOptions = {},
  ) {
    for (const s of samples) {
      if (!Number.isInteger(s.label) || s.label < 0 || s.label >= classes.length) {
        throw new DataError(`ImageFolder: ${s.path} has label ${s.label}, outside 0..${classes.length - 1} (${classes.length} classes).`);
      }
    }
    this.length = samples.length;
    this.channels = checkChannels(opts.channels ?? 3, 'ImageFolder');
    this.size = sizeOf(opts.size);
    this.resize = opts.resize ?? 'stretch';
    if (this.resize !== 'stretch' && this.resize !== 'center-crop') {
      throw new DataError(`ImageFolder: resize must be 'stretch' or 'center-crop' (got ${JSON.stringify(opts.resize)}).`);
    }
    this.maxPixels = maxImagePixels(opts.maxPixels);
    this.cache = opts.cache ? new Map() : undefined;
  }

  /**
   * One subfolder per class under `root` (classes sorted by name); every PNG/JPEG file
   * below a class folder, at any depth, is an example of it.
   */
  static fromDirectory(root: string, opts: ImageFolderOptions = {}): ImageFolder {
    const dir = resolve(root);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new DataError(`ImageFolder: ${dir} cannot be read (${(e as Error).message}); pass a directory with one subfolder per class.`);
    }
    const found = sorted(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    if (found.length === 0)
      throw new DataError(
        `ImageFolder: ${dir} has no subfolders; put each class's images in a subfolder named after it (${dir}/cat/1.png, ` +
          `${dir}/dog/2.jpg).`,
      );
    const classes = opts.classes ?? found;
    const extensions = opts.extensions ?? IMAGE_EXTENSIONS;
    const samples: ImageSample[] = [];
    for (const name of found) {
      const label = classes.indexOf(name);
      if (label < 0)
        throw new DataError(
          `ImageFolder: ${join(dir, name)} is not one of the classes given (${classes.join(', ')}); remove it or add it to classes.`,
        );
      const files = imageFiles(join(dir, name), extensions);
      if (files.length === 0)
        throw new DataError(`ImageFolder: ${join(dir, name)} holds no ${extensions.join('/')} files; add images or remove the folder.`);
      for (const path of files) samples.push({ path, label });
    }
    return new ImageFolder(samples, classes, opts);
  }

  /**
   * Files listed in a manifest: a CSV with lines `path,label` (an optional `path,label`
   * header; the label is the text after the last comma) or a JSON list of
   * `{ "path": …, "label": … }`. Paths are relative to the manifest's folder; labels are
   * class names (sorted to give indices, unless `classes` is passed).
   */
  static fromManifest(file: string, opts: ImageFolderOptions = {}): ImageFolder {
    const rows = readManifest(resolve(file));
    const classes = opts.classes ?? sorted(new Set(rows.map((r) => r.label)));
    const samples = rows.map((r) => {
      const label = classes.indexOf(r.label);
      if (label < 0)
        throw new DataError(`${file}: line ${r.line} has label '${r.label}', not one of the classes given (${classes.join(', ')}).`);
      return { path: r.path, label };
    });
    return new ImageFolder(samples, classes, opts);
  }

  /** Decodes (or takes from the cache) image i: `[C, H, W]` floats in [0, 1]. */
  image(i: number): FloatImage {
    checkIndex(i, this.length, 'ImageFolder.image');
    const hit = this.cache?.get(i);
    if (hit) return hit;
    const { path } = this.samples[i];
    const { rgba, width, height } = decodeImageFile(path, this.maxPixels);
    let img: FloatImage = rgbaToPlanes(rgba, width, height, this.channels);
    if (this.size) img = (this.resize === 'center-crop' ? resizeCenterCrop : resizeImage)(img, this.size[0], this.size[1]);
    this.cache?.set(i, img);
    return img;
  }

  get(i: number): ImageFolderExample {
    checkIndex(i, this.length, 'ImageFolder.get');
    return { image: this.image(i), label: this.samples[i].label, path: this.samples[i].path };
  }

  /** `x` float32 `[B, C, H, W]` in [0, 1]; `y` int32 `[B]`. Images of different sizes need the `size` option. */
  getBatch(indices: readonly number[], opts?: BatchOptions): ImageBatch {
    for (const i of indices) checkIndex(i, this.length, 'ImageFolder.getBatch');
    const images = indices.map((i) => this.image(i));
    const shape = images[0]?.shape ?? [this.channels, ...(this.size ?? [0, 0])];
    const row = shape[0] * shape[1] * shape[2];
    const x = new Float32Array(indices.length * row);
    const y = new Int32Array(indices.length);
    images.forEach((img, k) => {
      if (img.shape[1] !== shape[1] || img.shape[2] !== shape[2]) {
        const [a, b] = [this.samples[indices[0]].path, this.samples[indices[k]].path];
        throw new DataError(
          `ImageFolder: ${b} is ${img.shape[2]}×${img.shape[1]} but ${a} is ${shape[2]}×${shape[1]}; a batch needs one size: pass size: ` +
            `[height, width] to resize every image.`,
        );
      }
      x.set(img.data, k * row);
      y[k] = this.samples[indices[k]].label;
    });
    return {
      x: tensor(x, { shape: [indices.length, ...shape], dtype: 'float32', backend: opts?.backend }),
      y: tensor(y, { shape: [indices.length], dtype: 'int32', backend: opts?.backend }),
    };
  }

  /**
   * The smallest image (fewest pixels) and the least width and height over all files,
   * read from their headers without decoding: what sizes a model may ask for without
   * enlarging any image.
   */
  smallest(): { readonly width: number; readonly height: number; readonly path: string } {
    let width = Infinity;
    let height = Infinity;
    let path = '';
    let fewest = Infinity;
    for (const s of this.samples) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(s.path);
      } catch (e) {
        throw new DataError(`${s.path}: cannot be read (${(e as Error).message}).`);
      }
      const h = readImageHeader(bytes, s.path);
      width = Math.min(width, h.width);
      height = Math.min(height, h.height);
      if (h.width * h.height < fewest) [fewest, path] = [h.width * h.height, s.path];
    }
    if (path === '') throw new DataError('ImageFolder.smallest: the dataset holds no images.');
    return { width, height, path };
  }

  /**
   * Decodes every image once into an in-memory `ImageDataset` (bytes, `[N, C, H, W]`,
   * values rounded to 1/255): the whole folder for quick epochs, and the form the
   * `tessera` CLI trains on. Needs `size` unless all images share one size.
   * `onProgress(done, total)` is called after each image.
   */
  toImageDataset(onProgress?: (done: number, total: number) => void): ImageDataset {
    if (this.length === 0) throw new DataError('ImageFolder.toImageDataset: the dataset holds no images.');
    const first = this.image(0);
    const [c, h, w] = first.shape;
    const row = c * h * w;
    const bytes = new Uint8Array(this.length * row);
    const labels = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) {
      const img = i === 0 ? first : this.image(i);
      if (img.shape[1] !== h || img.shape[2] !== w) {
        throw new DataError(
          `ImageFolder: ${this.samples[i].path} is ${img.shape[2]}×${img.shape[1]} but ${this.samples[0].path} is ${w}×${h}; ` +
            'pass size: [height, width] to resize every image.',
        );
      }
      for (let k = 0; k < row; k++) bytes[i * row + k] = Math.round(Math.min(1, Math.max(0, img.data[k])) * 255);
      labels[i] = this.samples[i].label;
      onProgress?.(i + 1, this.length);
    }
    return new ImageDataset(bytes, labels, [c, h, w], this.classes);
  }
}
