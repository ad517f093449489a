import { runOp } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import type { Conv2dAttrs, Pool2dAttrs, PrimitiveAttrs } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { add, div, equal, greaterEqual, mul, sub } from './binary.js';
import { arange, rand, zerosLike } from './creation.js';
import { logSumExp, max, sum } from './reduce.js';
import { maxPoolBackwardGrad } from './max-pool-grad.js';
import { pad as padOp, reshape, squeeze, unsqueeze } from './movement.js';
import { cast, exp } from './unary.js';
import { assertDType } from './util.js';
import { normAxis } from '../shape.js';
import { assertSameDType } from './binary.js';

type Def<N extends keyof PrimitiveAttrs> = OpDef<PrimitiveAttrs[N]>;

function outSize(op: string, inSize: number, k: number, s: number, p0: number, p1: number, d: number): number {
  const o = Math.floor((inSize + p0 + p1 - d * (k - 1) - 1) / s) + 1;
  if (o <= 0) {
    throw new ShapeError(
      `${op}: input size ${inSize} with kernel ${k}, stride ${s}, padding ${p0}+${p1}, dilation ${d} ` +
        `gives an empty output. Use a smaller kernel or more padding.`,
    );
  }
  return o;
}

function convOutShape(op: string, x: readonly number[], w: readonly number[], a: Conv2dAttrs): number[] {
  if (x.length !== 4 || w.length !== 4) {
    throw new ShapeError(`${op}: expects x [N, C, H, W] and weight [O, C/groups, kH, kW]; got ${fmtShape(x)} and ${fmtShape(w)}.`);
  }
  if (x[1] !== w[1] * a.groups || w[0] % a.groups !== 0) {
    throw new ShapeError(
      `${op}: input has ${x[1]} channels but weight ${fmtShape(w)} with groups=${a.groups} expects ` +
        `${w[1] * a.groups} (and ${w[0]} output channels must divide by groups).`,
    );
  }
  return [
    x[0],
    w[0],
    outSize(op, x[2], w[2], a.strides[0], a.pads[0], a.pads[1], a.dilations[0]),
    outSize(op, x[3], w[3], a.strides[1], a.pads[2], a.pads[3], a.dilations[1]),
  ];
}

function convAttrs(a: Conv2dAttrs): Conv2dAttrs {
  return { strides: a.strides, pads: a.pads, dilations: a.dilations, groups: a.groups };
}

const conv2dDef: Def<'conv2d'> = {
  name: 'conv2d',
  infer: ([x, w], a) => {
    assertSameDType('conv2d', x, w);
    assertDType('conv2d', x.dtype, 'float');
    return { shape: convOutShape('conv2d', x.shape, w.shape, a), dtype: x.dtype };
  },
  grad: (dy, { inputs: [x, w], attrs, needsGrad }) => [
    needsGrad[0] ? runOp(backInputDef, [dy, w], { ...convAttrs(attrs), inputShape: x.shape }) : null,
    needsGrad[1] ? runOp(backFilterDef, [x, dy], { ...convAttrs(attrs), filterShape: w.shape }) : null,
  ],
};

const backInputDef: Def<'conv2dBackpropInput'> = {
  name: 'conv2dBackpropInput',
  infer: ([dy, w], a) => {
    const expect = convOutShape('conv2dBackpropInput', a.inputShape, w.shape, a);
    if (expect.some((d, i) => d !== dy.shape[i])) {
      throw new ShapeError(`conv2dBackpropInput: dy is ${fmtShape(dy.shape)} but the forward output is ${fmtShape(expect)}.`);
    }
    return { shape: [...a.inputShape], dtype: dy.dtype };
  },
  // Linear in both inputs: its adjoints are the forward conv and the filter gradient.
  grad: (g, { inputs: [dy, w], attrs, needsGrad }) => [
    needsGrad[0] ? runOp(conv2dDef, [g, w], convAttrs(attrs)) : null,
    needsGrad[1] ? runOp(backFilterDef, [g, dy], { ...convAttrs(attrs), filterShape: w.shape }) : null,
  ],
};

const backFilterDef: Def<'conv2dBackpropFilter'> = {
  name: 'conv2dBackpropFilter',
  infer: ([x, dy], a) => {
    const expect = convOutShape('conv2dBackpropFilter', x.shape, a.filterShape, a);
    if (expect.some((d, i) => d !== dy.shape[i])) {
      throw new ShapeError(`conv2dBackpropFilter: dy is ${fmtShape(dy.shape)} but the forward output is ${fmtShape(expect)}.`);
    }
    return { shape: [...a.filterShape], dtype: x.dtype };
  },
  grad: (g, { inputs: [x, dy], attrs, needsGrad }) => [
    needsGrad[0] ? runOp(backInputDef, [dy, g], { ...convAttrs(attrs), inputShape: x.shape }) : null,
    needsGrad[1] ? runOp(conv2dDef, [x, g], convAttrs(attrs)) : null,
  ],
};

/** Padding: 'valid' (0), 'same' (output = ⌈input/stride⌉), one number, [h, w], or [top, bottom, left, right]. */
export type Padding2d = 'valid' | 'same' | number | readonly [number, number] | readonly [number, number, number, number];

/** Options of `conv2d`. */
export interface Conv2dOptions {
  readonly stride?: number | readonly [number, number];
  readonly padding?: Padding2d;
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  /** Added per output channel. */
  readonly bias?: Tensor;
}

const pair = (v: number | readonly [number, number] | undefined, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

function resolvePads(
  p: Padding2d | undefined,
  inHW: readonly number[],
  k: readonly number[],
  s: readonly number[],
  d: readonly number[],
): [number, number, number, number] {
  if (p === undefined || p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    const tot = [0, 1].map((i) => Math.max((Math.ceil(inHW[i] / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - inHW[i], 0));
    return [Math.floor(tot[0] / 2), tot[0] - Math.floor(tot[0] / 2), Math.floor(tot[1] / 2), tot[1] - Math.floor(tot[1] / 2)];
  }
  if (typeof p === 'number') return [p, p, p, p];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return [p[0], p[1], p[2], p[3]];
}

/**
 * 2-d convolution (cross-correlation, as in PyTorch) of x [N, C, H, W] with weight
 * [O, C/groups, kH, kW].
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const strides = pair(opts.stride, 1);
  const dilations = pair(opts.dilation, 1);
  if (x.rank !== 4 || w.rank !== 4) convOutShape('conv2d', x.shape, w.shape, { strides, dilations, pads: [0, 0, 0, 0], groups: 1 });
  const pads = resolvePads(opts.padding, x.shape.slice(2), w.shape.slice(2), strides, dilations);
  const y = runOp(conv2dDef, [x, w], { strides, pads, dilations, groups: opts.groups ?? 1 });
  if (!opts.bias) return y;
  const bias = opts.bias;
  return tidy(() => add(y, reshape(bias, [1, bias.size, 1, 1])));
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  readonly stride?: number;
  readonly padding?: 'valid' | 'same' | number | readonly [number, number];
  readonly dilation?: number;
  readonly groups?: number;
  readonly bias?: Tensor;
}

/** 1-d convolution of x [N, C, L] with weight [O, C/groups, k] (a conv2d with height 1). */
export function conv1d(x: Tensor, w: Tensor, opts: Conv1dOptions = {}): Tensor {
  if (x.rank !== 3 || w.rank !== 3) {
    throw new ShapeError(`conv1d: expects x [N, C, L] and weight [O, C/groups, k]; got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}.`);
  }
  const p = opts.padding;
  const padding: Padding2d =
    p === undefined || p === 'valid' ? 'valid' : p === 'same' ? 'same' : typeof p === 'number' ? [0, 0, p, p] : [0, 0, p[0], p[1]];
  return tidy(() =>
    squeeze(
      conv2d(unsqueeze(x, 2), unsqueeze(w, 2), {
        stride: [1, opts.stride ?? 1],
        dilation: [1, opts.dilation ?? 1],
        padding,
        groups: opts.groups,
        bias: opts.bias,
      }),
      2,
    ),
  );
}

/** Options of `conv2dTranspose`. */
export interface Conv2dTransposeOptions {
  readonly stride?: number | readonly [number, number];
  /** Removed from both sides of each spatial axis of the full output: one number or [h, w]. */
  readonly padding?: number | readonly [number, number];
  /**
   * Extra rows/columns added at the bottom/right (to pick one of the sizes a strided conv
   * maps from); each must be smaller than the stride or the dilation.
   */
  readonly outputPadding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  /** Added per output channel. */
  readonly bias?: Tensor;
}

/**
 * Transposed 2-d convolution (PyTorch's `conv_transpose2d`, the gradient of `conv2d`
 * with respect to its input) of x [N, Cin, H, W] with weight [Cin, Cout/groups, kH, kW]:
 * each input pixel scatters `x·w` into the output. Output size per axis:
 * (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 * A composite over the `conv2dBackpropInput` primitive, so every backend runs it and it
 * is differentiable in x and w (to any order).
 *
 * @example
 * const up = conv2dTranspose(x, w, { stride: 2, padding: 1, outputPadding: 1 }); // [N, C, 2H, 2W]
 */
export function conv2dTranspose(x: Tensor, w: Tensor, opts: Conv2dTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  if (x.rank !== 4 || w.rank !== 4) {
    throw new ShapeError(
      `${op}: expects x [N, Cin, H, W] and weight [Cin, Cout/groups, kH, kW]; got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}.`,
    );
  }
  const strides = pair(opts.stride, 1);
  const dilations = pair(opts.dilation, 1);
  const pad = pair(opts.padding, 0);
  const outPad = pair(opts.outputPadding, 0);
  const groups = opts.groups ?? 1;
  if (x.shape[1] !== w.shape[0] || w.shape[0] % groups !== 0) {
    throw new ShapeError(
      `${op}: input has ${x.shape[1]} channels but weight ${fmtShape(w.shape)} expects ${w.shape[0]} ` +
        `(weight is [Cin, Cout/groups, kH, kW]; Cin must divide by groups=${groups}).`,
    );
  }
  for (let i = 0; i < 2; i++) {
    if (!(outPad[i] >= 0 && (outPad[i] < strides[i] || outPad[i] < dilations[i]))) {
      throw new ShapeError(
        `${op}: outputPadding ${outPad[i]} must be non-negative and smaller than the stride ${strides[i]} or the dilation ${dilations[i]}.`,
      );
    }
  }
  // The full output (no padding) is cropped by `pad` before and `pad − outPad` after; where
  // outPad exceeds pad, the primitive crops nothing after and zeros are appended instead.
  const after = [0, 1].map((i) => Math.max(pad[i] - outPad[i], 0));
  const extra = [0, 1].map((i) => Math.max(outPad[i] - pad[i], 0));
  const size = [0, 1].map(
    (i) => (x.shape[i + 2] - 1) * strides[i] + dilations[i] * (w.shape[i + 2] - 1) + 1 - pad[i] - after[i],
  );
  if (size[0] <= 0 || size[1] <= 0) {
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} with kernel ${fmtShape(w.shape.slice(2))} and padding [${pad.join(', ')}] ` +
      `gives an empty output; use less padding.`);
  }
  const inputShape = [x.shape[0], w.shape[1] * groups, size[0], size[1]];
  const attrs = { strides, dilations, groups, pads: [pad[0], after[0], pad[1], after[1]] as const, inputShape };
  return tidy(() => {
    let y = runOp(backInputDef, [x, w], attrs);
    if (extra[0] > 0 || extra[1] > 0) y = padOp(y, [[0, 0], [0, 0], [0, extra[0]], [0, extra[1]]]);
    return opts.bias ? add(y, reshape(opts.bias, [1, opts.bias.size, 1, 1])) : y;
  });
}

function poolInfer(op: string) {
  return ([x]: readonly TensorInfo[], a: Pool2dAttrs) => {
    assertDType(op, x.dtype, 'float');
    if (x.shape.length !== 4) throw new ShapeError(`${op}: expects x [N, C, H, W]; got ${fmtShape(x.shape)}.`);
    if (a.pads[0] + a.pads[1] > a.kernel[0] || a.pads[2] + a.pads[3] > a.kernel[1]) {
      throw new ShapeError(`${op}: padding [${a.pads.join(', ')}] must be at most half the kernel [${a.kernel.join(', ')}].`);
    }
    return {
      shape: [
        x.shape[0],
        x.shape[1],
        outSize(op, x.shape[2], a.kernel[0], a.strides[0], a.pads[0], a.pads[1], 1),
        outSize(op, x.shape[3], a.kernel[1], a.strides[1], a.pads[2], a.pads[3], 1),
      ],
      dtype: x.dtype,
    };
  };
}

const poolAttrs = (a: Pool2dAttrs): Pool2dAttrs => ({ kernel: a.kernel, strides: a.strides, pads: a.pads });

const maxPoolDef: Def<'maxPool2d'> = {
  name: 'maxPool2d',
  infer: poolInfer('maxPool2d'),
  grad: (dy, { inputs: [x], attrs }) => [runOp(maxPoolBackDef, [dy, x], poolAttrs(attrs))],
};

const maxPoolBackDef: Def<'maxPool2dBackward'> = {
  name: 'maxPool2dBackward',
  infer: ([, x]) => ({ shape: [...x.shape], dtype: x.dtype }),
  // Linear in dy; piecewise constant in x (zero gradient).
  grad: (g, { inputs: [dy, x], attrs, needsGrad }) => [
    needsGrad[0] ? maxPoolBackwardGrad(g, dy, x, attrs) : null,
    needsGrad[1] ? zerosLike(x) : null,
  ],
};

const avgPoolDef: Def<'avgPool2d'> = {
  name: 'avgPool2d',
  infer: poolInfer('avgPool2d'),
  grad: (dy, { inputs: [x], attrs }) => [runOp(avgPoolBackDef, [dy], { ...attrs, inputShape: x.shape })],
};

const avgPoolBackDef: Def<'avgPool2dBackward'> = {
  name: 'avgPool2dBackward',
  infer: ([dy], a) => ({ shape: [...a.inputShape], dtype: dy.dtype }),
  grad: (g, { attrs }) => [runOp(avgPoolDef, [g], { ...poolAttrs(attrs), countIncludePad: attrs.countIncludePad })],
};

/** Options of the 2-d pools. */
export interface Pool2dOptions {
  readonly kernelSize: number | readonly [number, number];
  /** Default: the kernel size. */
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  /** avgPool only: count padded zeros in the divisor (PyTorch's default is true). */
  readonly countIncludePad?: boolean;
}

function pool2dAttrs(o: Pool2dOptions): Pool2dAttrs {
  const kernel = pair(o.kernelSize, 1);
  const strides = o.stride === undefined ? kernel : pair(o.stride, 1);
  const p = pair(o.padding, 0);
  return { kernel, strides, pads: [p[0], p[0], p[1], p[1]] };
}

/** 2-d max pooling of x [N, C, H, W]. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return runOp(maxPoolDef, [x], pool2dAttrs(opts));
}

/** 2-d average pooling of x [N, C, H, W]. */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return runOp(avgPoolDef, [x], { ...pool2dAttrs(opts), countIncludePad: opts.countIncludePad ?? true });
}

/** Options of the 1-d pools. */
export interface Pool1dOptions {
  readonly kernelSize: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly countIncludePad?: boolean;
}

function pool1d(fn: (x: Tensor, o: Pool2dOptions) => Tensor, x: Tensor, o: Pool1dOptions): Tensor {
  if (x.rank !== 3) throw new ShapeError(`pool1d: expects x [N, C, L]; got ${fmtShape(x.shape)}.`);
  return tidy(() =>
    squeeze(
      fn(unsqueeze(x, 2), {
        kernelSize: [1, o.kernelSize],
        stride: [1, o.stride ?? o.kernelSize],
        padding: [0, o.padding ?? 0],
        countIncludePad: o.countIncludePad,
      }),
      2,
    ),
  );
}

/** 1-d max pooling of x [N, C, L]. */
export function maxPool1d(x: Tensor, opts: Pool1dOptions): Tensor {
  return pool1d(maxPool2d, x, opts);
}

/** 1-d average pooling of x [N, C, L]. */
export function avgPool1d(x: Tensor, opts: Pool1dOptions): Tensor {
  return pool1d(avgPool2d, x, opts);
}

/** Softmax along an axis: a composite a backend may fuse (kernel name 'softmax'). */
export const softmaxDef: OpDef<{ readonly axis: number }> = {
  name: 'softmax',
  infer: ([x]) => {
    assertDType('softmax', x.dtype, 'float');
    return { shape: [...x.shape], dtype: x.dtype };
  },
  decompose: ([x], { axis }) =>
    tidy(() => {
      const m = noGrad(() => max(x, axis, true));
      const e = exp(sub(x, m));
      return div(e, sum(e, axis, true));
    }),
  // dx = y·(dy − Σ dy·y)
  grad: (dy, { output: y, attrs: { axis } }) => [mul(y, sub(dy, sum(mul(dy, y), axis, true)))],
};

/** log-softmax along an axis: a composite a backend may fuse (kernel name 'logSoftmax'). */
export const logSoftmaxDef: OpDef<{ readonly axis: number }> = {
  name: 'logSoftmax',
  infer: ([x]) => {
    assertDType('logSoftmax', x.dtype, 'float');
    return { shape: [...x.shape], dtype: x.dtype };
  },
  decompose: ([x], { axis }) => tidy(() => sub(x, logSumExp(x, axis, true))),
  // dx = dy − softmax·Σ dy
  grad: (dy, { output: y, attrs: { axis } }) => [sub(dy, mul(exp(y), sum(dy, axis, true)))],
};

/** softmax(x)ᵢ = e^xᵢ / Σ e^xⱼ along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return runOp(softmaxDef, [x], { axis: normAxis('softmax', axis, x.rank) });
}

/** log softmax along `axis` (default last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return runOp(logSoftmaxDef, [x], { axis: normAxis('logSoftmax', axis, x.rank) });
}

/** A {0, 1} float mask of `shape` keeping each element with probability 1 − p (seeded RNG). */
export function dropoutMask(shape: readonly number[], p: number, like?: Tensor): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ShapeError(`dropout: p must be in [0, 1] (got ${p}).`);
  return tidy(() => cast(greaterEqual(rand(shape, { backend: like?.backend, dtype: like?.dtype }), p), like?.dtype ?? 'float32'));
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by
 * 1/(1 − p), so evaluation needs no rescaling. With `training` false it is the identity.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!training || p === 0) return reshape(x, x.shape);
  return tidy(() => {
    if (p === 1) return mul(x, 0);
    return mul(x, dropoutMask(x.shape, p, x)).div(1 - p);
  });
}

/** Op definitions of the nn family. */
export const nnDefs = {
  conv2d: conv2dDef,
  conv2dBackpropInput: backInputDef,
  conv2dBackpropFilter: backFilterDef,
  maxPool2d: maxPoolDef,
  maxPool2dBackward: maxPoolBackDef,
  avgPool2d: avgPoolDef,
  avgPool2dBackward: avgPoolBackDef,
  softmax: softmaxDef,
  logSoftmax: logSoftmaxDef,
} as const;

/** One-hot encoding of int32 class indices: shape [...indices.shape, depth]. */
export function oneHot(indices: Tensor, depth: number, dtype: 'float32' | 'float64' | 'int32' = 'float32'): Tensor {
  if (indices.dtype !== 'int32') {
    throw new DTypeError(`oneHot: indices must be int32 (got ${indices.dtype}); cast('int32') them.`);
  }
  return tidy(() => cast(equal(unsqueeze(indices, -1), arange(depth, undefined, 1, { backend: indices.backend })), dtype));
}
