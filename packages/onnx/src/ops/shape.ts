import type { EmitContext, OpMapping } from './context.js';

type Nums = readonly number[];
const nums = (ctx: EmitContext, key: string): Nums => ctx.attrs[key] as Nums;

/** The batched matmul primitive ([B, M, K]·[B, K, N], operands optionally transposed) → MatMul. */
const matmul: OpMapping = (ctx) => {
  const flip = (name: string, yes: unknown) => (yes ? ctx.node('Transpose', [name], { perm: [0, 2, 1] }) : name);
  return ctx.node('MatMul', [flip(ctx.inputs[0], ctx.attrs.transposeA), flip(ctx.inputs[1], ctx.attrs.transposeB)]);
};

/** A reduction over the middle axis of [outer, reduce, inner] (how core sees every reduction). */
const reduce = (opType: string): OpMapping => (ctx) => {
  const { outer, reduce: r, inner } = ctx.attrs as { outer: number; reduce: number; inner: number };
  const g = ctx.graph;
  const x3 = ctx.node('Reshape', [ctx.inputs[0], g.int64s('shape', [outer, r, inner])]);
  const axes = [1];
  const y = ctx.opset >= 18 || opType === 'ReduceSum'
    ? ctx.node(opType, [x3, g.int64s('axes', axes)], { keepdims: 0 })
    : ctx.node(opType, [x3], { axes, keepdims: 0 });
  return ctx.node('Reshape', [y, g.int64s('shape', ctx.outShape)]);
};

/** argmax/argmin over the middle axis, as int32 (ONNX gives int64). */
const argReduce = (opType: string): OpMapping => (ctx) => {
  const { outer, reduce: r, inner } = ctx.attrs as { outer: number; reduce: number; inner: number };
  const g = ctx.graph;
  const x3 = ctx.node('Reshape', [ctx.inputs[0], g.int64s('shape', [outer, r, inner])]);
  const idx = ctx.node(opType, [x3], { axis: 1, keepdims: 0, select_last_index: 0 });
  return ctx.node('Reshape', [ctx.node('Cast', [idx], { to: 6 }), g.int64s('shape', ctx.outShape)]);
};

/** Shape and movement ops. */
export const SHAPE: Readonly<Record<string, OpMapping>> = {
  matmul,
  reshape: (ctx) => ctx.node('Reshape', [ctx.inputs[0], ctx.graph.int64s('shape', ctx.outShape)]),
  transpose: (ctx) => ctx.node('Transpose', ctx.inputs, { perm: nums(ctx, 'perm') }),
  broadcastTo: (ctx) => ctx.node('Expand', [ctx.inputs[0], ctx.graph.int64s('shape', ctx.outShape)]),
  concat: (ctx) => ctx.node('Concat', ctx.inputs, { axis: ctx.attrs.axis as number }),
  slice: (ctx) => {
    const g = ctx.graph;
    const begin = nums(ctx, 'begin');
    const size = nums(ctx, 'size');
    const step = nums(ctx, 'step');
    const ends = begin.map((b, i) => b + (size[i] - 1) * step[i] + 1);
    const axes = begin.map((_, i) => i);
    return ctx.node('Slice', [
      ctx.inputs[0],
      g.int64s('starts', begin),
      g.int64s('ends', ends),
      g.int64s('axes', axes),
      g.int64s('steps', step),
    ]);
  },
  pad: (ctx) => {
    const pads = ctx.attrs.pads as readonly (readonly [number, number])[];
    const onnx = [...pads.map((p) => p[0]), ...pads.map((p) => p[1])];
    const value = ctx.graph.scalar('pad_value', ctx.outDType, ctx.attrs.value as number);
    return ctx.node('Pad', [ctx.inputs[0], ctx.graph.int64s('pads', onnx), value], { mode: 'constant' });
  },
  flip: (ctx) => {
    const g = ctx.graph;
    const axes = nums(ctx, 'axes');
    // Walk each flipped axis from its last element past its first (ONNX clamps the end).
    const end = Number.MIN_SAFE_INTEGER;
    return ctx.node('Slice', [
      ctx.inputs[0],
      g.int64s(
        'starts',
        axes.map(() => -1),
      ),
      g.int64s(
        'ends',
        axes.map(() => end),
      ),
      g.int64s('axes', axes),
      g.int64s(
        'steps',
        axes.map(() => -1),
      ),
    ]);
  },
  sum: reduce('ReduceSum'),
  prod: reduce('ReduceProd'),
  max: reduce('ReduceMax'),
  min: reduce('ReduceMin'),
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
};
