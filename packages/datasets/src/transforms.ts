import { DataError, Tensor, concat, flip, nextKey, pad, slice, tensor, tidy, uniformAt, where } from '@tessera/core';

/**
 * Batch transforms for images `[B, C, H, W]` (float32). Random ones draw one key from the
 * global generator per call, so `manualSeed` makes them reproducible. Use them through
 * `DataLoader`'s `transform` option, which runs them inside `tidy`.
 */

function checkImages(x: Tensor, op: string): void {
  if (x.rank !== 4) throw new DataError(`${op}: expects images [B, C, H, W] (got rank ${x.rank}).`);
}

/** `(x − mean[c]) / std[c]` per channel. */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  checkImages(x, 'normalize');
  const c = x.shape[1];
  if (mean.length !== c || std.length !== c) {
    throw new DataError(`normalize: images have ${c} channel(s) but mean has ${mean.length} and std ${std.length} values.`);
  }
  if (std.some((s) => !(s > 0))) throw new DataError(`normalize: std must be positive (got [${std.join(', ')}]).`);
  return tidy(() => {
    const m = tensor(Float32Array.from(mean), { shape: [1, c, 1, 1], backend: x.backend });
    const s = tensor(Float32Array.from(std), { shape: [1, c, 1, 1], backend: x.backend });
    return x.sub(m).div(s);
  });
}

/** Flips each image left–right with probability `p` (default 0.5). */
export function randomHorizontalFlip(x: Tensor, p = 0.5): Tensor {
  checkImages(x, 'randomHorizontalFlip');
  const b = x.shape[0];
  const [k0, k1] = nextKey();
  const mask = new Uint8Array(b);
  for (let i = 0; i < b; i++) mask[i] = uniformAt(k0, k1, i) < p ? 1 : 0;
  return tidy(() => {
    const m = tensor(mask, { shape: [b, 1, 1, 1], dtype: 'bool', backend: x.backend });
    return where(m, flip(x, 3), x);
  });
}

/**
 * Pads each image by `padding` zeros on every side, then crops a random `size` window
 * (default: the original H×W), independently per image.
 */
export function randomCrop(x: Tensor, padding: number, size?: readonly [number, number]): Tensor {
  checkImages(x, 'randomCrop');
  const [b, c, h, w] = x.shape;
  const [oh, ow] = size ?? [h, w];
  if (!Number.isInteger(padding) || padding < 0) throw new DataError(`randomCrop: padding must be a non-negative integer (got ${padding}).`);
  if (oh > h + 2 * padding || ow > w + 2 * padding) {
    throw new DataError(`randomCrop: a ${oh}×${ow} crop does not fit ${h}×${w} images padded by ${padding}.`);
  }
  const [k0, k1] = nextKey();
  return tidy(() => {
    const padded = pad(x, [[0, 0], [0, 0], [padding, padding], [padding, padding]]);
    const rows: Tensor[] = [];
    for (let i = 0; i < b; i++) {
      const top = Math.floor(uniformAt(k0, k1, 2 * i) * (h + 2 * padding - oh + 1));
      const left = Math.floor(uniformAt(k0, k1, 2 * i + 1) * (w + 2 * padding - ow + 1));
      rows.push(slice(padded, [i, 0, top, left], [1, c, oh, ow]));
    }
    return concat(rows, 0);
  });
}
