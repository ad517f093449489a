/**
 * Area-averaging resize of one image channel on the host (no tensors): used to bring a
 * user's image (a PNG, a drawing) to a model's input size before a batch is built.
 */

/**
 * Area-averaging weights from n source cells to m destination cells: destination j covers
 * the source interval [j·n/m, (j+1)·n/m) and takes the mean of what it covers.
 */
function areaWeights(n: number, m: number): { index: number; weight: number }[][] {
  const scale = n / m;
  return Array.from({ length: m }, (_, j) => {
    const a = j * scale;
    const b = (j + 1) * scale;
    const taps: { index: number; weight: number }[] = [];
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 0) taps.push({ index: i, weight: overlap / scale });
    }
    return taps;
  });
}

/**
 * Resizes a single-channel row-major image (`width × height`) to `outWidth × outHeight`
 * by area averaging: a box filter when shrinking (no aliasing), each source pixel's value
 * spread over the cells it covers when growing. The mean is preserved.
 *
 * @example
 * resizeArea(Float32Array.of(0, 1, 2, 3), 2, 2, 1, 1); // Float32Array [1.5]
 */
export function resizeArea(data: ArrayLike<number>, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  const wx = areaWeights(width, outWidth);
  const wy = areaWeights(height, outHeight);
  const rows = new Float32Array(height * outWidth);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let s = 0;
      for (const t of wx[x]) s += t.weight * data[y * width + t.index];
      rows[y * outWidth + x] = s;
    }
  }
  const out = new Float32Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let s = 0;
      for (const t of wy[y]) s += t.weight * rows[t.index * outWidth + x];
      out[y * outWidth + x] = s;
    }
  }
  return out;
}

/**
 * Resizes every channel of a `[C, H, W]` image to `outHeight × outWidth` with
 * `resizeArea`; returns the input when it already has that size.
 */
export function resizeImage(
  img: { readonly data: Float32Array; readonly shape: readonly [number, number, number] },
  outHeight: number,
  outWidth: number,
): { data: Float32Array; shape: [number, number, number] } {
  const [c, h, w] = img.shape;
  if (h === outHeight && w === outWidth) return { data: img.data, shape: [c, h, w] };
  const out = new Float32Array(c * outHeight * outWidth);
  for (let ch = 0; ch < c; ch++)
    out.set(resizeArea(img.data.subarray(ch * h * w, (ch + 1) * h * w), w, h, outWidth, outHeight), ch * outHeight * outWidth);
  return { data: out, shape: [c, outHeight, outWidth] };
}

/**
 * Resizes a `[C, H, W]` image so that it covers `outHeight × outWidth` with its aspect
 * ratio kept (area averaging, `resizeImage`), then cuts the centre out: torchvision's
 * `Resize(min side)` followed by `CenterCrop`. Nothing is stretched; the longer side loses
 * its edges.
 *
 * @example
 * resizeCenterCrop({ data, shape: [3, 480, 640] }, 224, 224).shape; // [3, 224, 224]
 */
export function resizeCenterCrop(
  img: { readonly data: Float32Array; readonly shape: readonly [number, number, number] },
  outHeight: number,
  outWidth: number,
): { data: Float32Array; shape: [number, number, number] } {
  const [c, h, w] = img.shape;
  const scale = Math.max(outHeight / h, outWidth / w);
  // Rounding may leave a side one pixel short of the target; never below it.
  const rh = Math.max(outHeight, Math.round(h * scale));
  const rw = Math.max(outWidth, Math.round(w * scale));
  const r = resizeImage(img, rh, rw);
  if (rh === outHeight && rw === outWidth) return r;
  const top = Math.floor((rh - outHeight) / 2);
  const left = Math.floor((rw - outWidth) / 2);
  const out = new Float32Array(c * outHeight * outWidth);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < outHeight; y++) {
      const from = (ch * rh + top + y) * rw + left;
      out.set(r.data.subarray(from, from + outWidth), (ch * outHeight + y) * outWidth);
    }
  }
  return { data: out, shape: [c, outHeight, outWidth] };
}
