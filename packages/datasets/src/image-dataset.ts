import { DataError, fmtShape, tensor, type Tensor } from '@tessera/core';
import { checkIndex, type BatchOptions, type Dataset } from './dataset.js';
import { gatherRows } from './tensor-dataset.js';

/** One example of an image classification dataset (a view, not a copy). */
export interface ImageExample {
  /** `C·H·W` bytes, row-major, a view into the dataset's `images`. */
  readonly image: Uint8Array;
  readonly label: number;
}

/** A batch: `x` float32 `[B, C, H, W]` in [0, 1], `y` int32 `[B]`. */
export interface ImageBatch {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * Images kept as bytes in host memory until a batch is built (MNIST, Fashion-MNIST,
 * CIFAR-10). `images` is `[N, C, H, W]` uint8, `labels` int32 `[N]`.
 */
export class ImageDataset implements Dataset<ImageExample, ImageBatch> {
  readonly length: number;
  readonly shape: readonly [number, number, number, number];

  constructor(
    readonly images: Uint8Array,
    readonly labels: Int32Array,
    /** `[C, H, W]` of one image. */
    imageShape: readonly [number, number, number],
    /** Class names, index = label. */
    readonly classes: readonly string[] = [],
  ) {
    const n = labels.length;
    const [c, h, w] = imageShape;
    if (images.length !== n * c * h * w) {
      throw new DataError(
        `ImageDataset: ${images.length} image bytes do not match ${n} labels of shape ${fmtShape(imageShape)} (${n * c * h * w} bytes).`,
      );
    }
    this.length = n;
    this.shape = [n, c, h, w];
  }

  /** Number of bytes in one image. */
  get imageSize(): number {
    return this.shape[1] * this.shape[2] * this.shape[3];
  }

  get(i: number): ImageExample {
    checkIndex(i, this.length, 'ImageDataset.get');
    const s = this.imageSize;
    return { image: this.images.subarray(i * s, (i + 1) * s), label: this.labels[i] };
  }

  /** `x` float32 `[B, C, H, W]` scaled to [0, 1]; `y` int32 `[B]`. */
  getBatch(indices: readonly number[], opts?: BatchOptions): ImageBatch {
    for (const i of indices) checkIndex(i, this.length, 'ImageDataset.getBatch');
    const x = gatherRows({ data: this.images, shape: this.shape }, indices, opts, 'x');
    const y = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) y[k] = this.labels[indices[k]];
    return { x, y: tensor(y, { shape: [indices.length], dtype: 'int32', backend: opts?.backend }) };
  }
}
