/**
 * A dropped folder of images in the browser as an `ImageDataset`: torchvision's
 * `ImageFolder` from a `File` list (an `<input type="file" webkitdirectory>` or a drop),
 * decoded with `createImageBitmap`, resized by area averaging, kept as bytes. Browser-safe:
 * no Node modules; the decoder can be replaced (tests, other runtimes).
 */
import { DataError } from '@tessera/core';
import { type PixelData, readPixels } from './from-pixels.js';
import { ImageDataset } from './image-dataset.js';
import { checkChannels, rgbaToPlanes, type ImageChannels } from './pixels.js';
import { resizeImage } from './resize.js';

/** A file of the folder: a `File` (its `webkitRelativePath` names the folders) or a path relative to the folder and its bytes. */
export type FolderFile = File | { readonly path: string; readonly blob: Blob };

/** Decodes an image file to RGBA pixels at its natural size. */
export type BlobDecoder = (blob: Blob, path: string) => Promise<PixelData>;

/** Options of `imageFolderFromFiles`. */
export interface ImageFolderFromFilesOptions {
  /** `[height, width]` (or a square side) every image is resized to, by area averaging. */
  readonly size: number | readonly [number, number];
  /** 3 (RGB, default) or 1 (grey, BT.601 luminance). Alpha is dropped. */
  readonly channels?: ImageChannels;
  /** The class names in label order; default: the folder names found, sorted (as torchvision). */
  readonly classes?: readonly string[];
  /** File extensions to read, lower case with the dot (default `.png`, `.jpg`, `.jpeg`); others are skipped. */
  readonly extensions?: readonly string[];
  /** Default: `createImageBitmap` (pages and workers) drawn on a canvas. */
  readonly decode?: BlobDecoder;
  /** Called after each image is decoded. */
  readonly onProgress?: (done: number, total: number) => void;
}

const EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** The browser's decoder: `createImageBitmap`, then the canvas read `fromPixels` uses. */
export const decodeWithImageBitmap: BlobDecoder = async (blob, path) => {
  if (typeof createImageBitmap !== 'function')
    throw new DataError(`imageFolderFromFiles: ${path}: this runtime has no createImageBitmap; pass a decode function.`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (e) {
    throw new DataError(
      `imageFolderFromFiles: ${path} could not be decoded as an image (${(e as Error).message}); remove it from the folder.`,
    );
  }
  try {
    return readPixels(bitmap);
  } finally {
    bitmap.close();
  }
};

/** A file's path relative to the dropped folder (`cat/1.png`), from `webkitRelativePath` without its first segment. */
function relativePath(f: FolderFile): string {
  if ('blob' in f) return f.path.replace(/^\/+/, '');
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
  if (rel === '')
    throw new DataError(
      `imageFolderFromFiles: ${f.name} has no folder (webkitRelativePath is empty); drop or choose a folder with one subfolder per ` +
        `class, or pass { path: 'class/${f.name}', blob }.`,
    );
  return rel.split('/').slice(1).join('/');
}

function sizeOf(size: ImageFolderFromFilesOptions['size']): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new DataError(
      `imageFolderFromFiles: size must be a positive integer or [height, width] of positive integers (got ${JSON.stringify(size)}).`,
    );
  }
  return [h, w];
}

/**
 * One image's pixels as `imageFolderFromFiles` keeps them: `channels` planes (RGB, or BT.601
 * grey), resized to `size` ([height, width]) by area averaging, as bytes. Use it for images
 * to classify with a model trained on such a dataset (a webcam frame read by `readPixels`).
 *
 * @example
 * const bytes = pixelsToBytes(readPixels(video), [28, 28], 1); // Uint8Array(784)
 */
export function pixelsToBytes(px: PixelData, size: number | readonly [number, number], channels: ImageChannels = 3): Uint8Array {
  const [h, w] = sizeOf(size);
  const planes = rgbaToPlanes(px.data, px.width, px.height, checkChannels(channels, 'pixelsToBytes'));
  const img = px.width === w && px.height === h ? planes : resizeImage(planes, h, w);
  return Uint8Array.from(img.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Labelled images from a folder's files: each image's class is the first folder below the
 * dropped one (`pets/cat/1.png` → `cat`; deeper folders belong to their class), classes
 * sorted by name; files with other extensions are skipped. Every image is decoded once,
 * resized to `size` and kept as bytes, so batches are cheap (`x` float32 [B, C, H, W] in
 * [0, 1], `y` int32 [B]) and the whole set can be sent to a training worker as `images`.
 *
 * @example
 * // <input type="file" webkitdirectory>
 * const ds = await imageFolderFromFiles(input.files!, { size: 28, channels: 1 });
 * ds.classes; // ['cat', 'dog']
 */
export async function imageFolderFromFiles(
  files: Iterable<FolderFile> | ArrayLike<FolderFile>,
  opts: ImageFolderFromFilesOptions,
): Promise<ImageDataset> {
  const [h, w] = sizeOf(opts.size);
  const channels = checkChannels(opts.channels ?? 3, 'imageFolderFromFiles');
  const extensions = opts.extensions ?? EXTENSIONS;
  const decode = opts.decode ?? decodeWithImageBitmap;
  const entries: { path: string; cls: string; file: FolderFile }[] = [];
  for (const file of Array.from(files as ArrayLike<FolderFile>)) {
    const path = relativePath(file);
    const dot = path.lastIndexOf('.');
    if (dot < 0 || !extensions.includes(path.slice(dot).toLowerCase())) continue;
    const parts = path.split('/');
    if (parts.length < 2)
      throw new DataError(
        `imageFolderFromFiles: ${path} is not in a class folder; put each class's images in a subfolder ` +
          'named after it (cat/1.png, dog/2.jpg).',
      );
    entries.push({ path, cls: parts[0], file });
  }
  if (entries.length === 0)
    throw new DataError(
      `imageFolderFromFiles: no ${extensions.join('/')} files found; drop a folder with one subfolder of images per class.`,
    );
  entries.sort((a, b) => byCodePoint(a.path, b.path));
  const found = [...new Set(entries.map((e) => e.cls))].sort(byCodePoint);
  const classes = opts.classes ?? found;
  const unknown = found.filter((c) => !classes.includes(c));
  if (unknown.length > 0)
    throw new DataError(
      `imageFolderFromFiles: folder(s) ${unknown.join(', ')} are not among the classes given (${classes.join(', ')}); ` +
        'remove them or add them to classes.',
    );
  const size = channels * h * w;
  const images = new Uint8Array(entries.length * size);
  const labels = new Int32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const { path, cls, file } = entries[i];
    const px = await decode('blob' in file ? file.blob : file, path);
    images.set(pixelsToBytes(px, [h, w], channels), i * size);
    labels[i] = classes.indexOf(cls);
    opts.onProgress?.(i + 1, entries.length);
  }
  return new ImageDataset(images, labels, [channels, h, w], classes);
}
