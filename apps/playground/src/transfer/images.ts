/**
 * The user's images as the page trains on them: `imageFolderFromFiles` (one subfolder per
 * class), each image grey and 28×28 like the pretraining digits, kept as bytes; and webcam
 * frames made the same way.
 */
import { data } from 'tessera';
import type { ArrayPayload } from 'tessera/worker';

/** Labelled images ready to send to the training worker. */
export interface FolderImages {
  readonly classes: readonly string[];
  readonly labels: Int32Array;
  /** [N, 1, 28, 28] bytes. */
  readonly images: Uint8Array;
  /** The same as a training spec's data (bytes are read as pixels / 255). */
  readonly data: { readonly x: ArrayPayload; readonly y: ArrayPayload };
}

/** Every image is resized to this grey square, the pretraining digits' size. */
export const INPUT_SHAPE = [1, 28, 28] as const;
const [, H, W] = INPUT_SHAPE;

/** Decodes (createImageBitmap), greys and resizes a folder's images; needs two classes or more. */
export async function loadFolderImages(
  files: Iterable<data.FolderFile> | ArrayLike<data.FolderFile>,
  onProgress?: (done: number, total: number) => void,
): Promise<FolderImages> {
  const ds = await data.imageFolderFromFiles(files, { size: [H, W], channels: 1, ...(onProgress ? { onProgress } : {}) });
  if (ds.classes.length < 2)
    throw new Error(`found one class (${ds.classes.join('')}); drop a folder with a subfolder of images for each of two classes or more.`);
  return {
    classes: ds.classes,
    labels: ds.labels,
    images: ds.images,
    data: { x: { data: ds.images, shape: [ds.length, ...INPUT_SHAPE] }, y: { data: ds.labels, shape: [ds.length] } },
  };
}

/** A video frame (webcam) as the model sees it: grey 28×28 bytes. */
export function frameBytes(video: HTMLVideoElement): Uint8Array {
  return data.pixelsToBytes(data.readPixels(video), [H, W], 1);
}
