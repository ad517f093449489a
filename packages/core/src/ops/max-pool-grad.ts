import { tidy } from '../memory.js';
import type { Pool2dAttrs } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './convert.js';
import { gather, pad, reshape } from './movement.js';
import { argmax } from './reduce.js';

/**
 * Flat offsets, in a padded plane `hp × wp`, of every element of every pooling window:
 * `[K, L]` row-major, K = kh·kw (window elements in row-major order, the order in which
 * the kernels look for the first maximum), L = ho·wo (windows).
 */
function windowOffsets(a: Pool2dAttrs, wp: number, ho: number, wo: number): Int32Array {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.strides;
  const l = ho * wo;
  const out = new Int32Array(kh * kw * l);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const row = (i * kw + j) * l;
      for (let oh = 0; oh < ho; oh++) {
        for (let ow = 0; ow < wo; ow++) out[row + oh * wo + ow] = (oh * sh + i) * wp + ow * sw + j;
      }
    }
  }
  return out;
}

/**
 * The gradient of `maxPool2dBackward(dy, x)` with respect to `dy`, for the upstream
 * gradient `g` (shaped like x). The backward scatters each window's `dy` to the window's
 * first maximum of x, so it is linear in dy and its transpose reads `g` at those same
 * positions. Written with pad, gather and argmax, so it is differentiable again. With
 * respect to x the backward is piecewise constant: its gradient is zero.
 */
export function maxPoolBackwardGrad(g: Tensor, dy: Tensor, x: Tensor, a: Pool2dAttrs): Tensor {
  return tidy(() => {
    const [n, c, h, w] = x.shape;
    const [, , ho, wo] = dy.shape;
    const hp = h + a.pads[0] + a.pads[1];
    const wp = w + a.pads[2] + a.pads[3];
    const planes = n * c;
    const k = a.kernel[0] * a.kernel[1];
    const l = ho * wo;
    const pads: [number, number][] = [[0, 0], [0, 0], [a.pads[0], a.pads[1]], [a.pads[2], a.pads[3]]];
    const offsets = windowOffsets(a, wp, ho, wo);
    const all = new Int32Array(planes * k * l);
    for (let p = 0; p < planes; p++) all.set(offsets, p * k * l);
    const index = tensor(all, { dtype: 'int32', shape: [planes, k * l], backend: x.backend });
    // Padding is −∞ so it never wins a window, as in the forward kernels.
    const windows = reshape(gather(reshape(pad(x, pads, -Infinity), [planes, hp * wp]), 1, index), [planes, k, l]);
    const winner = argmax(windows, 1, true);
    const at = reshape(gather(reshape(index, [planes, k, l]), 1, winner), [planes, l]);
    return reshape(gather(reshape(pad(g, pads), [planes, hp * wp]), 1, at), dy.shape);
  });
}
