import { gather, tensor, tidy, type Tensor } from '@tessera/core';

/** How `warp` reads between pixels. */
export type Interpolation = 'nearest' | 'bilinear';

/**
 * @internal Resamples every image through its own 2×3 inverse map. For output pixel (i, j)
 * of image b, with centre (px, py) = (j + ½, i + ½), the source point is
 * `sx = m0·px + m1·py + m2`, `sy = m3·px + m4·py + m5` (m = maps[6b … 6b+5]). Points
 * outside the image read `fill`. The sampling grid is built on the host and applied with
 * one `gather` per bilinear corner, so a whole batch costs a handful of ops.
 */
export function warp(x: Tensor, maps: Float64Array, outH: number, outW: number, mode: Interpolation, fill: number): Tensor {
  const [b, c, h, w] = x.shape;
  const hw = outH * outW;
  const corners = mode === 'bilinear' ? 4 : 1;
  const grid = Array.from({ length: corners }, () => new Int32Array(b * hw));
  const weight = Array.from({ length: corners }, () => new Float32Array(b * hw));
  for (let n = 0; n < b; n++) {
    const m = maps.subarray(6 * n, 6 * n + 6);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const px = j + 0.5;
        const py = i + 0.5;
        // continuous source coordinates with pixel centres at integers
        const u = m[0] * px + m[1] * py + m[2] - 0.5;
        const v = m[3] * px + m[4] * py + m[5] - 0.5;
        const o = n * hw + i * outW + j;
        if (mode === 'nearest') {
          const sx = Math.round(u);
          const sy = Math.round(v);
          if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
            grid[0][o] = sy * w + sx;
            weight[0][o] = 1;
          }
          continue;
        }
        const x0 = Math.floor(u);
        const y0 = Math.floor(v);
        const fx = u - x0;
        const fy = v - y0;
        for (let k = 0; k < 4; k++) {
          const sx = x0 + (k & 1);
          const sy = y0 + (k >> 1);
          if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
          grid[k][o] = sy * w + sx;
          weight[k][o] = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
        }
      }
    }
  }
  // gather wants the index at x's rank: the same per-image grid for every channel.
  const index = grid.map((g) => {
    const idx = new Int32Array(b * c * hw);
    for (let n = 0; n < b; n++) for (let ch = 0; ch < c; ch++) idx.set(g.subarray(n * hw, (n + 1) * hw), (n * c + ch) * hw);
    return idx;
  });
  return tidy(() => {
    const flat = x.reshape([b, c, h * w]);
    let out: Tensor | undefined;
    let coverage: Float32Array | undefined;
    for (let k = 0; k < corners; k++) {
      const idx = tensor(index[k], { shape: [b, c, hw], dtype: 'int32', backend: x.backend });
      const wt = tensor(weight[k], { shape: [b, 1, hw], dtype: x.dtype, backend: x.backend });
      const term = gather(flat, 2, idx).mul(wt);
      out = out ? out.add(term) : term;
      if (fill !== 0) {
        coverage ??= new Float32Array(b * hw);
        for (let q = 0; q < coverage.length; q++) coverage[q] += weight[k][q];
      }
    }
    if (coverage) {
      for (let q = 0; q < coverage.length; q++) coverage[q] = (1 - coverage[q]) * fill;
      out = out!.add(tensor(coverage, { shape: [b, 1, hw], dtype: x.dtype, backend: x.backend }));
    }
    return out!.reshape([b, c, outH, outW]);
  });
}
