/**
 * Turns a drawing into an MNIST-style digit, as LeCun et al. prepared MNIST: the ink's
 * bounding box is scaled (keeping its aspect ratio, anti-aliased by area averaging) so its
 * longer side is 20 pixels, then placed in a 28×28 image so that its centre of mass is at
 * pixel (14, 14). Pure functions on float arrays (ink in [0, 1]), no DOM.
 */
import { data } from 'tessera';

/** Side of the MNIST image. */
const MNIST_SIZE = 28;
/** Side of the box the digit's longer side is scaled to. */
export const DIGIT_BOX = 20;

/** A single-channel image, row-major, values in [0, 1] (1 = ink). */
export interface GrayImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** Pixel rectangle [x0, x1) × [y0, y1). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** The smallest box holding every pixel above `threshold`, or null for a blank image. */
export function boundingBox(img: GrayImage, threshold = 0): Box | null {
  let x0 = img.width, y0 = img.height, x1 = -1, y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] <= threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** Copies a box out of an image. */
function crop(img: GrayImage, box: Box): GrayImage {
  const width = box.x1 - box.x0, height = box.y1 - box.y0;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    data.set(img.data.subarray((box.y0 + y) * img.width + box.x0, (box.y0 + y) * img.width + box.x1), y * width);
  return { data, width, height };
}

/** Resizes an image by area averaging (a box filter: no aliasing when shrinking). */
export function resize(img: GrayImage, width: number, height: number): GrayImage {
  return { data: data.resizeArea(img.data, img.width, img.height, width, height), width, height };
}

/** Centre of mass in continuous coordinates (pixel i spans [i, i+1), its centre is i + 0.5). */
export function centreOfMass(img: GrayImage): { x: number; y: number } {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x];
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return m === 0 ? { x: img.width / 2, y: img.height / 2 } : { x: sx / m, y: sy / m };
}

/**
 * The MNIST-style 28×28 image (row-major, [0, 1]) of a drawing, or null when nothing is
 * drawn. Pixels at or below `threshold` count as background when finding the box.
 */
export function toMnist(img: GrayImage, threshold = 0.05): Float32Array | null {
  const box = boundingBox(img, threshold);
  if (!box) return null;
  const digit = crop(img, box);
  const scale = DIGIT_BOX / Math.max(digit.width, digit.height);
  const small = resize(digit, Math.max(1, Math.round(digit.width * scale)), Math.max(1, Math.round(digit.height * scale)));
  // MNIST put the centre of mass, in pixel indices, at pixel (14, 14): its centre is 14.5.
  const com = centreOfMass(small);
  const dx = Math.round(MNIST_SIZE / 2 + 0.5 - com.x), dy = Math.round(MNIST_SIZE / 2 + 0.5 - com.y);
  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < small.height; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= MNIST_SIZE) continue;
    for (let x = 0; x < small.width; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < MNIST_SIZE) out[ty * MNIST_SIZE + tx] = Math.min(1, small.data[y * small.width + x]);
    }
  }
  return out;
}
