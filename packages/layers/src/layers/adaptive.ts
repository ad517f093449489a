import { describeModule } from '../config/record.js';
import { type Tensor, avgPool2d, tensor, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { Module } from '../module.js';
import { checkInput } from './common.js';

/**
 * The [out, n] averaging matrix of one axis of adaptive pooling: row i averages inputs
 * ⌊i·n/out⌋ … ⌈(i+1)·n/out⌉ − 1 (PyTorch's start/end index formula; windows may overlap).
 */
export function adaptiveWindows(n: number, out: number): { start: number; end: number }[] {
  return Array.from({ length: out }, (_, i) => ({ start: Math.floor((i * n) / out), end: Math.ceil(((i + 1) * n) / out) }));
}

function averagingMatrix(n: number, out: number, like: Tensor): Tensor {
  const m = new Float64Array(out * n);
  adaptiveWindows(n, out).forEach(({ start, end }, i) => {
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  });
  return tensor(m, { shape: [out, n], dtype: like.dtype, backend: like.backend });
}

/** Output size of AdaptiveAvgPool2d: one number, or [h, w] where null keeps the input's size. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/**
 * Adaptive 2-d average pooling (PyTorch's `nn.AdaptiveAvgPool2d`): x [N, C, H, W] →
 * [N, C, oH, oW] for any input size; output cell (i, j) averages rows ⌊i·H/oH⌋ …
 * ⌈(i+1)·H/oH⌉ − 1 and the columns likewise. Divisible sizes run as one avgPool2d;
 * others as two small matrix products with the averaging matrices.
 *
 * @example
 * new AdaptiveAvgPool2d([6, 6]).call(x); // AlexNet's head: [N, 256, 13, 13] → [N, 256, 6, 6]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: readonly [number | null, number | null];

  constructor(outputSize: AdaptiveSize) {
    super();
    const s = typeof outputSize === 'number' ? ([outputSize, outputSize] as const) : outputSize;
    if (s.length !== 2 || s.some((d) => d !== null && (!Number.isInteger(d) || d < 1))) {
      throw new LayerConfigError(
        `AdaptiveAvgPool2d: outputSize must be a positive integer or [h, w] (null keeps that axis) but got ${JSON.stringify(outputSize)}.`,
      );
    }
    this.outputSize = [s[0], s[1]];
    describeModule(this, 'AdaptiveAvgPool2d', [outputSize], { owner: AdaptiveAvgPool2d });
  }

  forward(x: Tensor): Tensor {
    checkInput(`AdaptiveAvgPool2d(${this.extraRepr()})`, x, null, [['N', 'C', 'H', 'W']]);
    const [N, C, H, W] = x.shape;
    const oH = this.outputSize[0] ?? H;
    const oW = this.outputSize[1] ?? W;
    if (H % oH === 0 && W % oW === 0) {
      const k = [H / oH, W / oW] as const;
      return avgPool2d(x, { kernelSize: k, stride: k });
    }
    return tidy(() => {
      const rows = averagingMatrix(H, oH, x); // [oH, H]
      const cols = averagingMatrix(W, oW, x); // [oW, W]
      const y = x.reshape([N * C, H, W]).matmul(cols, { transposeB: true }); // [NC, H, oW]
      return rows.unsqueeze(0).matmul(y).reshape([N, C, oH, oW]);
    });
  }

  override extraRepr(): string {
    return `outputSize=(${this.outputSize.map((d) => (d === null ? 'None' : d)).join(', ')})`;
  }
}

/**
 * Global average pooling: the mean over every spatial axis, x [N, C, ...spatial] → [N, C]
 * (Keras' GlobalAveragePooling; PyTorch's AdaptiveAvgPool2d(1) followed by Flatten).
 *
 * @example
 * new GlobalAvgPool().call(x); // [N, 512, 7, 7] → [N, 512]
 */
export class GlobalAvgPool extends Module {
  forward(x: Tensor): Tensor {
    checkInput('GlobalAvgPool', x, null, [['N', 'C', 'L'], ['N', 'C', 'H', 'W'], ['N', 'C', 'D', 'H', 'W']]);
    return x.mean(x.shape.slice(2).map((_, i) => i + 2));
  }
}
