import {
  type Tensor,
  abs,
  add,
  argmax,
  argmin,
  avgPool2d,
  broadcastTo,
  cast,
  ceil,
  clip,
  concat,
  conv2d,
  conv2dTranspose,
  cos,
  div,
  elu,
  equal,
  erf,
  exp,
  floor,
  gelu,
  greater,
  greaterEqual,
  leakyRelu,
  less,
  lessEqual,
  log,
  logSoftmax,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  matmul,
  max,
  maxPool2d,
  maximum,
  mean,
  min,
  minimum,
  mul,
  narrow,
  neg,
  pad,
  permute,
  pow,
  prod,
  reciprocal,
  relu,
  reshape,
  round,
  sigmoid,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  sub,
  sum,
  tanh,
  tensor,
  where,
} from '@tessera/core';
import { AvgPool2d, MaxPool2d } from '@tessera/layers';
import { RECURRENT_OPS } from './recurrent.js';
import { type Attrs, StaticInts, type Value, decodeTensor, floatTensor } from './values.js';

/** What an operator implementation gets: its inputs ('' inputs are undefined), attributes and a failure helper. */
export interface OpContext {
  readonly inputs: readonly (Value | undefined)[];
  readonly attrs: Attrs;
  /** Throws an `OnnxImportError` naming the node. */
  fail(why: string): never;
}

/** An ONNX operator written with Tessera ops; returns the node's outputs in order. */
export type ImportOp = (ctx: OpContext) => Value[];

/** Input `i` as a tensor (a static integer input becomes a float32 tensor). */
function t(ctx: OpContext, i: number): Tensor {
  const v = ctx.inputs[i];
  if (v === undefined) return ctx.fail(`input ${i} is missing`);
  return v instanceof StaticInts
    ? tensor(v.values.length === 1 && v.shape.length === 0 ? v.values[0] : [...v.values]).reshape([...v.shape])
    : v;
}

/** Input `i` as static integers (shapes, axes, pads). */
function ints(ctx: OpContext, i: number): number[] | undefined {
  const v = ctx.inputs[i];
  if (v === undefined) return undefined;
  if (!(v instanceof StaticInts)) return ctx.fail(`input ${i} must be a constant integer tensor (it is computed from data)`);
  return [...v.values];
}

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const unary = (f: (x: Tensor) => Tensor): ImportOp => (ctx) => [f(t(ctx, 0))];

/** ONNX pads [x1_begin, x2_begin, …, x1_end, x2_end, …] → per-axis [before, after]. */
const pairs = (p: readonly number[]): [number, number][] => Array.from({ length: p.length / 2 }, (_, i) => [p[i], p[i + p.length / 2]]);

function pool(kind: 'max' | 'avg'): ImportOp {
  return (ctx) => {
    let x = t(ctx, 0);
    if (x.rank !== 4) ctx.fail(`only 2-d pooling (4-d input) is supported, got rank ${x.rank}`);
    const k = ctx.attrs.ints('kernel_shape', []);
    const s = ctx.attrs.ints('strides', [1, 1]);
    const [t0, l0, b0, r0] = ctx.attrs.ints('pads', [0, 0, 0, 0]);
    const includePad = ctx.attrs.int('count_include_pad', 0) === 1;
    if (ctx.attrs.int('ceil_mode', 0) !== 0) {
      // PyTorch's rule (the last window starts inside the input or its left padding), as the pooling layers compute it.
      if (t0 !== b0 || l0 !== r0) ctx.fail('ceil_mode=1 with asymmetric pads is not supported');
      const opts = { stride: [s[0], s[1]] as [number, number], padding: [t0, l0] as [number, number], ceilMode: true };
      return [
        kind === 'max'
          ? new MaxPool2d([k[0], k[1]], opts).call(x)
          : new AvgPool2d([k[0], k[1]], { ...opts, countIncludePad: includePad }).call(x),
      ];
    }
    let padding: [number, number] = [t0, l0];
    if (t0 !== b0 || l0 !== r0) {
      if (kind === 'avg' && !includePad) ctx.fail('asymmetric pads with count_include_pad=0 are not supported');
      x = pad(x, [[0, 0], [0, 0], [t0, b0], [l0, r0]], kind === 'max' ? -Infinity : 0);
      padding = [0, 0];
    }
    const opts = { kernelSize: [k[0], k[1]] as const, stride: [s[0], s[1]] as const, padding };
    return [kind === 'max' ? maxPool2d(x, opts) : avgPool2d(x, { ...opts, countIncludePad: includePad })];
  };
}

/** A reduction: axes from the attribute (opset < 18) or the second input (opset ≥ 18); none = all. */
function reduce(f: (x: Tensor, axes: number[], keep: boolean) => Tensor): ImportOp {
  return (ctx) => {
    const x = t(ctx, 0);
    const axes = ints(ctx, 1) ?? ctx.attrs.ints('axes', []);
    if (axes.length === 0 && ctx.attrs.int('noop_with_empty_axes', 0) === 1) return [x];
    return [f(x, axes.length === 0 ? Array.from({ length: x.rank }, (_, i) => i) : axes, ctx.attrs.int('keepdims', 1) === 1)];
  };
}

/** ArgMax/ArgMin: int32 indices (ONNX says int64; Tessera's integer dtype is int32). */
function argReduce(f: (x: Tensor, axis: number, keep: boolean) => Tensor): ImportOp {
  return (ctx) => {
    if (ctx.attrs.int('select_last_index', 0) !== 0) ctx.fail('select_last_index=1 is not supported');
    return [f(t(ctx, 0), ctx.attrs.int('axis', 0), ctx.attrs.int('keepdims', 1) === 1)];
  };
}

/** ConvTranspose (2-d, explicit pads): Tessera's conv2dTranspose with the same crop. */
const convTranspose: ImportOp = (ctx) => {
  const x = t(ctx, 0);
  if (x.rank !== 4) ctx.fail(`only 2-d transposed convolution is supported, got rank ${x.rank}`);
  if (ctx.attrs.has('output_shape') || ctx.attrs.string('auto_pad', 'NOTSET') !== 'NOTSET')
    ctx.fail('output_shape and auto_pad are not supported (explicit pads are)');
  const [pt, pl, pb, pr] = ctx.attrs.ints('pads', [0, 0, 0, 0]);
  const op = ctx.attrs.ints('output_padding', [0, 0]);
  const s = ctx.attrs.ints('strides', [1, 1]);
  const d = ctx.attrs.ints('dilations', [1, 1]);
  // Tessera crops `padding` before and `padding − outputPadding` after.
  const outputPadding: [number, number] = [pt - pb + op[0], pl - pr + op[1]];
  if (outputPadding.some((v, i) => v < 0 || v >= Math.max(s[i], d[i])))
    ctx.fail(`pads [${[pt, pl, pb, pr].join(', ')}] with output_padding [${op.join(', ')}] cannot be expressed`);
  const bias = ctx.inputs[2] === undefined ? undefined : t(ctx, 2);
  return [
    conv2dTranspose(x, t(ctx, 1), {
      stride: [s[0], s[1]],
      dilation: [d[0], d[1]],
      padding: [pt, pl],
      outputPadding,
      groups: ctx.attrs.int('group', 1),
      bias,
    }),
  ];
};

/** Elementwise binary op on tensors, or exact integer arithmetic on static values. */
function binary(f: (a: Tensor, b: Tensor) => Tensor, g: (a: number, b: number) => number): ImportOp {
  return (ctx) => {
    const [x, y] = ctx.inputs;
    if (x instanceof StaticInts && y instanceof StaticInts && (x.values.length === y.values.length || y.values.length === 1)) {
      return [new StaticInts(x.values.map((v, i) => g(v, y.values[y.values.length === 1 ? 0 : i])), x.shape)];
    }
    return [f(t(ctx, 0), t(ctx, 1))];
  };
}

function staticGather(data: StaticInts, idx: StaticInts, axis: number, ctx: OpContext): StaticInts {
  if (data.shape.length > 1 || axis !== 0) ctx.fail('Gather on constant integers supports only 1-d data');
  const n = data.values.length;
  return new StaticInts(idx.values.map((i) => data.values[i < 0 ? i + n : i]), idx.shape);
}

/** The operators `importOnnx` reads, by ONNX op type. */
export const IMPORT_OPS: Readonly<Record<string, ImportOp>> = {
  Identity: (ctx) => [ctx.inputs[0]!],
  Dropout: (ctx) => [ctx.inputs[0]!],
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  Tanh: unary(tanh),
  Exp: unary(exp),
  Log: unary(log),
  Neg: unary(neg),
  Abs: unary(abs),
  Sqrt: unary(sqrt),
  Reciprocal: unary(reciprocal),
  Sin: unary(sin),
  Cos: unary(cos),
  Sign: unary(sign),
  Floor: unary(floor),
  Ceil: unary(ceil),
  Round: unary(round),
  Softplus: unary(softplus),
  Not: unary(logicalNot),
  Elu: (ctx) => [elu(t(ctx, 0), ctx.attrs.float('alpha', 1))],
  Clip: (ctx) => {
    const lo = ctx.inputs[1] === undefined ? -Infinity : t(ctx, 1).itemSync();
    const hi = ctx.inputs[2] === undefined ? Infinity : t(ctx, 2).itemSync();
    return [clip(t(ctx, 0), lo, hi)];
  },
  Max: (ctx) => [ctx.inputs.slice(1).reduce<Tensor>((m, _, i) => maximum(m, t(ctx, i + 1)), t(ctx, 0))],
  Min: (ctx) => [ctx.inputs.slice(1).reduce<Tensor>((m, _, i) => minimum(m, t(ctx, i + 1)), t(ctx, 0))],
  Where: (ctx) => [where(t(ctx, 0), t(ctx, 1), t(ctx, 2))],
  Equal: (ctx) => [equal(t(ctx, 0), t(ctx, 1))],
  Less: (ctx) => [less(t(ctx, 0), t(ctx, 1))],
  LessOrEqual: (ctx) => [lessEqual(t(ctx, 0), t(ctx, 1))],
  Greater: (ctx) => [greater(t(ctx, 0), t(ctx, 1))],
  GreaterOrEqual: (ctx) => [greaterEqual(t(ctx, 0), t(ctx, 1))],
  And: (ctx) => [logicalAnd(t(ctx, 0), t(ctx, 1))],
  Or: (ctx) => [logicalOr(t(ctx, 0), t(ctx, 1))],
  Xor: (ctx) => [logicalXor(t(ctx, 0), t(ctx, 1))],
  ReduceSum: reduce(sum),
  ReduceMax: reduce(max),
  ReduceMin: reduce(min),
  ReduceProd: reduce(prod),
  ArgMax: argReduce(argmax),
  ArgMin: argReduce(argmin),
  ConvTranspose: convTranspose,
  Erf: unary(erf),
  Gelu: (ctx) => (ctx.attrs.string('approximate', 'none') === 'none' ? [gelu(t(ctx, 0))] : ctx.fail("approximate='tanh' is not supported")),
  LeakyRelu: (ctx) => [leakyRelu(t(ctx, 0), ctx.attrs.float('alpha', 0.01))],
  Softmax: (ctx) => [softmax(t(ctx, 0), ctx.attrs.int('axis', -1))],
  LogSoftmax: (ctx) => [logSoftmax(t(ctx, 0), ctx.attrs.int('axis', -1))],
  Add: binary(add, (a, b) => a + b),
  Sub: binary(sub, (a, b) => a - b),
  Mul: binary(mul, (a, b) => a * b),
  Div: binary(div, (a, b) => Math.trunc(a / b)),
  Pow: (ctx) => [pow(t(ctx, 0), t(ctx, 1))],
  Cast: (ctx) => {
    const v = ctx.inputs[0]!;
    if (v instanceof StaticInts) return [v];
    const to = ctx.attrs.int('to', 1);
    return to === 1
      ? [cast(v, 'float32')]
      : to === 11
      ? [cast(v, 'float64')]
      : ctx.fail(`Cast to ONNX type ${to} of a tensor is not supported`);
  },
  MatMul: (ctx) => [matmul(t(ctx, 0), t(ctx, 1))],
  Gemm: (ctx) => {
    const a = ctx.attrs;
    let y = matmul(t(ctx, 0), t(ctx, 1), { transposeA: a.int('transA', 0) === 1, transposeB: a.int('transB', 0) === 1 });
    const alpha = a.float('alpha', 1);
    if (alpha !== 1) y = mul(y, alpha);
    if (ctx.inputs[2] !== undefined) {
      const beta = a.float('beta', 1);
      y = add(y, beta === 1 ? t(ctx, 2) : mul(t(ctx, 2), beta));
    }
    return [y];
  },
  Conv: (ctx) => {
    const x = t(ctx, 0);
    if (x.rank !== 4) ctx.fail(`only 2-d convolution (4-d input) is supported, got rank ${x.rank}`);
    if (ctx.attrs.string('auto_pad', 'NOTSET') !== 'NOTSET') ctx.fail('auto_pad is not supported (explicit pads are)');
    const [pt, pl, pb, pr] = ctx.attrs.ints('pads', [0, 0, 0, 0]);
    const s = ctx.attrs.ints('strides', [1, 1]);
    const d = ctx.attrs.ints('dilations', [1, 1]);
    const y = conv2d(x, t(ctx, 1), {
      stride: [s[0], s[1]],
      dilation: [d[0], d[1]],
      padding: [pt, pb, pl, pr],
      groups: ctx.attrs.int('group', 1),
    });
    return [ctx.inputs[2] === undefined ? y : add(y, t(ctx, 2).reshape([-1, 1, 1]))];
  },
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: (ctx) => {
    const x = t(ctx, 0);
    return [mean(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 2), true)];
  },
  BatchNormalization: (ctx) => {
    const x = t(ctx, 0);
    const along = (v: Tensor) => v.reshape([-1, ...new Array<number>(x.rank - 2).fill(1)]);
    const inv = div(t(ctx, 1), sqrt(add(t(ctx, 4), ctx.attrs.float('epsilon', 1e-5))));
    return [add(mul(sub(x, along(t(ctx, 3))), along(inv)), along(t(ctx, 2)))];
  },
  Flatten: (ctx) => {
    const x = t(ctx, 0);
    const axis = norm(ctx.attrs.int('axis', 1), x.rank);
    const outer = x.shape.slice(0, axis).reduce((p, q) => p * q, 1);
    return [reshape(x, [outer, -1])];
  },
  Reshape: (ctx) => {
    const x = ctx.inputs[0]!;
    const shape = ints(ctx, 1)!;
    const dims = x instanceof StaticInts ? x.shape : x.shape;
    const target = shape.map((d, i) => (d === 0 && ctx.attrs.int('allowzero', 0) === 0 ? dims[i] : d));
    if (x instanceof StaticInts)
      return [
        new StaticInts(
          x.values,
          target.map((d) => (d === -1 ? x.values.length / -target.reduce((p, q) => p * q, 1) : d)),
        ),
      ];
    return [reshape(x, target)];
  },
  Transpose: (ctx) => {
    const x = t(ctx, 0);
    return [permute(x, ctx.attrs.ints('perm', Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i)))];
  },
  Concat: (ctx) => {
    const vs = ctx.inputs.filter((v): v is Value => v !== undefined);
    if (vs.every((v) => v instanceof StaticInts)) {
      const all = vs as StaticInts[];
      if (all.some((v) => v.shape.length !== 1)) ctx.fail('Concat of constant integers supports only 1-d values');
      const values = all.flatMap((v) => [...v.values]);
      return [new StaticInts(values, [values.length])];
    }
    const ts = vs.map((_, i) => t({ ...ctx, inputs: vs }, i));
    return [concat(ts, ctx.attrs.int('axis', 0))];
  },
  Pad: (ctx) => {
    if (ctx.attrs.string('mode', 'constant') !== 'constant')
      ctx.fail(`mode '${ctx.attrs.string('mode', 'constant')}' is not supported (constant is)`);
    const x = t(ctx, 0);
    const p = ints(ctx, 1)!;
    if (ctx.inputs[3] !== undefined) ctx.fail('the axes input is not supported');
    const value = ctx.inputs[2] === undefined ? 0 : t(ctx, 2).itemSync();
    if (p.some((v) => v < 0)) ctx.fail('negative pads (cropping) are not supported');
    return [pad(x, pairs(p), value)];
  },
  Constant: (ctx) => {
    const tp = ctx.attrs.tensor('value');
    if (tp) {
      const d = decodeTensor(tp, 'Constant');
      return [d instanceof StaticInts ? d : floatTensor(d)];
    }
    if (ctx.attrs.has('value_ints')) { const v = ctx.attrs.ints('value_ints', []); return [new StaticInts(v, [v.length])]; }
    if (ctx.attrs.has('value_int')) return [new StaticInts([ctx.attrs.int('value_int', 0)], [])];
    if (ctx.attrs.has('value_float')) return [tensor(ctx.attrs.float('value_float', 0))];
    return ctx.fail('only value, value_int(s) and value_float constants are supported');
  },
  Shape: (ctx) => {
    const v = ctx.inputs[0]!;
    const dims = [...v.shape];
    const start = norm(ctx.attrs.int('start', 0), dims.length);
    const end = ctx.attrs.has('end') ? norm(ctx.attrs.int('end', dims.length), dims.length) : dims.length;
    const out = dims.slice(start, end);
    return [new StaticInts(out, [out.length])];
  },
  Gather: (ctx) => {
    const data = ctx.inputs[0]!;
    const idx = ctx.inputs[1];
    if (!(idx instanceof StaticInts)) return ctx.fail('indices computed from data are not supported (constant indices are)');
    const axis = norm(ctx.attrs.int('axis', 0), data.shape.length);
    if (data instanceof StaticInts) return [staticGather(data, idx, axis, ctx)];
    const n = data.shape[axis];
    const picks = idx.values.map((i) => narrow(data, axis, i < 0 ? i + n : i, 1));
    if (idx.shape.length === 0) return [picks[0].squeeze(axis)];
    if (idx.shape.length !== 1) ctx.fail('only scalar or 1-d constant indices are supported');
    return [concat(picks, axis)];
  },
  Squeeze: (ctx) => {
    const v = ctx.inputs[0]!;
    const axes = ints(ctx, 1) ?? v.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    const rank = v.shape.length;
    const drop = new Set(axes.map((a) => norm(a, rank)));
    const shape = v.shape.filter((_, i) => !drop.has(i));
    return [v instanceof StaticInts ? new StaticInts(v.values, shape) : reshape(v, shape)];
  },
  Unsqueeze: (ctx) => {
    const v = ctx.inputs[0]!;
    const axes = ints(ctx, 1)!;
    const rank = v.shape.length + axes.length;
    const add1 = new Set(axes.map((a) => norm(a, rank)));
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(add1.has(i) ? 1 : v.shape[k++]);
    return [v instanceof StaticInts ? new StaticInts(v.values, shape) : reshape(v, shape)];
  },
  Expand: (ctx) => {
    const x = t(ctx, 0);
    const shape = ints(ctx, 1)!;
    const rank = Math.max(shape.length, x.rank);
    const xs = [...new Array<number>(rank - x.rank).fill(1), ...x.shape];
    const ss = [...new Array<number>(rank - shape.length).fill(1), ...shape];
    return [broadcastTo(reshape(x, xs), xs.map((d, i) => (d === 1 ? ss[i] : d)))];
  },
  Slice: (ctx) => {
    const x = t(ctx, 0);
    const starts = ints(ctx, 1)!;
    const ends = ints(ctx, 2)!;
    const axes = ints(ctx, 3) ?? starts.map((_, i) => i);
    const steps = ints(ctx, 4) ?? starts.map(() => 1);
    const begin = x.shape.map(() => 0);
    const size = [...x.shape];
    const step = x.shape.map(() => 1);
    axes.forEach((ax, j) => {
      const a = norm(ax, x.rank);
      const n = x.shape[a];
      if (steps[j] < 1) ctx.fail('negative or zero steps are not supported');
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const b = clamp(starts[j]);
      const e = clamp(ends[j]);
      begin[a] = b;
      step[a] = steps[j];
      size[a] = Math.max(0, Math.ceil((e - b) / steps[j]));
    });
    return [slice(x, begin, size, step)];
  },
  ReduceMean: reduce(mean),
  ...RECURRENT_OPS,
};
