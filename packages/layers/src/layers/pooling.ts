import { describeModule } from '../config/record.js';
import { type Tensor, avgPool2d, maxPool2d, ones, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { Module } from '../module.js';
import { type SizeArg, checkInput, fmtTuple, tuple } from './common.js';

/** Options of the pooling layers (PyTorch's names). */
export interface PoolOptions<R extends 1 | 2> {
  /** Default: the kernel size. */
  readonly stride?: SizeArg<R>;
  /** Implicit padding per side (−∞ for max, zeros for average); at most half the kernel. Default 0. */
  readonly padding?: SizeArg<R>;
  /**
   * Use ⌈⌉ instead of ⌊⌋ for the output size, so a last partial window is kept (a window
   * must still start inside the input or the left padding, as in PyTorch). Default false.
   */
  readonly ceilMode?: boolean;
}

/** Options of the average pooling layers. */
export interface AvgPoolOptions<R extends 1 | 2> extends PoolOptions<R> {
  /** Count the zero padding in the divisor (PyTorch's default, true); never the ceilMode overhang. */
  readonly countIncludePad?: boolean;
}

type Kind = 'max' | 'avg';

/** Output length of one axis (PyTorch's `pooling_output_shape`). */
function outLength(n: number, k: number, s: number, p: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/**
 * 2-d pooling of x [N, C, H, W] with PyTorch's semantics, including ceilMode: the windows
 * that overhang the padded input see −∞ (max) or are averaged over their in-range part.
 */
function pool2d(kind: Kind, x: Tensor, k: number[], s: number[], p: number[], ceil: boolean, countIncludePad: boolean): Tensor {
  const spatial = x.shape.slice(2);
  const out = spatial.map((n, i) => outLength(n, k[i], s[i], p[i], ceil));
  const extra = spatial.map((n, i) => Math.max((out[i] - 1) * s[i] + k[i] - n - 2 * p[i], 0));
  const geo = { kernelSize: [k[0], k[1]] as const, stride: [s[0], s[1]] as const };
  if (extra[0] === 0 && extra[1] === 0) {
    const o = { ...geo, padding: [p[0], p[1]] as const };
    return kind === 'max' ? maxPool2d(x, o) : avgPool2d(x, { ...o, countIncludePad });
  }
  return tidy(() => {
    if (kind === 'max') {
      const xp = x.pad([[0, 0], [0, 0], [0, extra[0]], [0, extra[1]]], -Infinity);
      return maxPool2d(xp, { ...geo, padding: [p[0], p[1]] });
    }
    // Window sums over explicitly padded input, divided by how many cells each window counts.
    const around = (e: number[]) => [[0, 0], [0, 0], [p[0], p[0] + e[0]], [p[1], p[1] + e[1]]] as const;
    const sums = avgPool2d(x.pad(around(extra)), { ...geo, countIncludePad: true });
    const inside = ones([1, 1, ...spatial], { dtype: x.dtype, backend: x.backend });
    const counted = countIncludePad
      ? inside.pad(around([0, 0]), 1).pad([
          [0, 0],
          [0, 0],
          [0, extra[0]],
          [0, extra[1]],
        ])
      : inside.pad(around(extra));
    return sums.div(avgPool2d(counted, { ...geo, countIncludePad: true }));
  });
}

const SPEC = {
  1: { axes: ['L'] },
  2: { axes: ['H', 'W'] },
} as const;

/** The pooling family: one class, four layers (kind × rank). */
abstract class PoolNd<R extends 1 | 2> extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  protected constructor(
    private readonly kind: Kind,
    private readonly rank: R,
    kernelSize: SizeArg<R>,
    opts: AvgPoolOptions<R>,
  ) {
    super();
    const name = this.typeName;
    this.kernelSize = tuple(name, 'kernelSize', kernelSize, rank, 1);
    this.stride = opts.stride === undefined ? [...this.kernelSize] : tuple(name, 'stride', opts.stride, rank, 1);
    this.padding = tuple(name, 'padding', opts.padding, rank, 0, 0);
    this.padding.forEach((p, i) => {
      if (2 * p > this.kernelSize[i]) {
        throw new LayerConfigError(`${name}: padding ${p} must be at most half the kernel size ${this.kernelSize[i]}.`);
      }
    });
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    checkInput(`${this.typeName}(kernelSize=${fmtTuple(this.kernelSize)})`, x, null, [['N', 'C', ...SPEC[this.rank].axes]]);
    const two = (v: number[], one: number) => (this.rank === 1 ? [one, v[0]] : v);
    const run = (x4: Tensor) =>
      pool2d(this.kind, x4, two(this.kernelSize, 1), two(this.stride, 1), two(this.padding, 0), this.ceilMode, this.countIncludePad);
    return this.rank === 1 ? tidy(() => run(x.unsqueeze(2)).squeeze(2)) : run(x);
  }

  override extraRepr(): string {
    const parts = [`kernelSize=${fmtTuple(this.kernelSize)}`, `stride=${fmtTuple(this.stride)}`, `padding=${fmtTuple(this.padding)}`];
    if (this.ceilMode) parts.push('ceilMode=true');
    if (this.kind === 'avg' && !this.countIncludePad) parts.push('countIncludePad=false');
    return parts.join(', ');
  }
}

/**
 * 1-d max pooling (PyTorch's `nn.MaxPool1d`) of x [N, C, L].
 *
 * @example
 * new MaxPool1d(2).call(x); // [N, C, 10] → [N, C, 5]
 */
export class MaxPool1d extends PoolNd<1> {
  constructor(kernelSize: SizeArg<1>, opts: PoolOptions<1> = {}) {
    super('max', 1, kernelSize, opts);
    describeModule(this, 'MaxPool1d', [kernelSize, opts], { owner: MaxPool1d });
  }
}

/**
 * 2-d max pooling (PyTorch's `nn.MaxPool2d`) of x [N, C, H, W]; padding counts as −∞.
 *
 * @example
 * new MaxPool2d(3, { stride: 2, ceilMode: true }).call(x); // GoogLeNet's pools: [N, C, 112, 112] → [N, C, 56, 56]
 */
export class MaxPool2d extends PoolNd<2> {
  constructor(kernelSize: SizeArg<2>, opts: PoolOptions<2> = {}) {
    super('max', 2, kernelSize, opts);
    describeModule(this, 'MaxPool2d', [kernelSize, opts], { owner: MaxPool2d });
  }
}

/**
 * 1-d average pooling (PyTorch's `nn.AvgPool1d`) of x [N, C, L].
 *
 * @example
 * new AvgPool1d(3, { stride: 1, padding: 1 }).call(x); // same length
 */
export class AvgPool1d extends PoolNd<1> {
  constructor(kernelSize: SizeArg<1>, opts: AvgPoolOptions<1> = {}) {
    super('avg', 1, kernelSize, opts);
    describeModule(this, 'AvgPool1d', [kernelSize, opts], { owner: AvgPool1d });
  }
}

/**
 * 2-d average pooling (PyTorch's `nn.AvgPool2d`) of x [N, C, H, W].
 *
 * @example
 * new AvgPool2d(2).call(x); // [N, C, 28, 28] → [N, C, 14, 14]
 */
export class AvgPool2d extends PoolNd<2> {
  constructor(kernelSize: SizeArg<2>, opts: AvgPoolOptions<2> = {}) {
    super('avg', 2, kernelSize, opts);
    describeModule(this, 'AvgPool2d', [kernelSize, opts], { owner: AvgPool2d });
  }
}
