import { type EmitContext, type OpMapping, alongAxis, onnxPads2d } from './context.js';

type Nums = readonly number[];
const nums = (ctx: EmitContext, key: string): Nums => ctx.attrs[key] as Nums;

/** conv2d (x, w) → Conv; Tessera's weight layout [O, C/groups, kH, kW] is ONNX's. */
const conv2d: OpMapping = (ctx) => {
  const w = ctx.inputShapes[1];
  return ctx.node('Conv', ctx.inputs, {
    kernel_shape: [w[2], w[3]],
    strides: nums(ctx, 'strides'),
    dilations: nums(ctx, 'dilations'),
    pads: onnxPads2d(nums(ctx, 'pads')),
    group: ctx.attrs.groups as number,
  });
};

/**
 * conv2dBackpropInput (dy, w) — the transposed convolution ConvTranspose2d runs — →
 * ConvTranspose, with the output padding that restores the recorded input size.
 */
const conv2dBackpropInput: OpMapping = (ctx) => {
  const w = ctx.inputShapes[1];
  const dy = ctx.inputShapes[0];
  const s = nums(ctx, 'strides');
  const d = nums(ctx, 'dilations');
  const p = nums(ctx, 'pads');
  const want = ctx.outShape;
  const outputPadding = [0, 1].map((i) => {
    const natural = s[i] * (dy[2 + i] - 1) + (w[2 + i] - 1) * d[i] + 1 - p[2 * i] - p[2 * i + 1];
    return want[2 + i] - natural;
  });
  if (outputPadding.some((op, i) => op < 0 || op >= Math.max(s[i], d[i]))) {
    ctx.fail(
      `its output size ${want.slice(2).join('×')} needs output padding [${outputPadding.join(', ')}], which ConvTranspose cannot express`,
    );
  }
  return ctx.node('ConvTranspose', ctx.inputs, {
    kernel_shape: [w[2], w[3]],
    strides: s,
    dilations: d,
    pads: onnxPads2d(p),
    group: ctx.attrs.groups as number,
    output_padding: outputPadding,
  });
};

const pool = (opType: string): OpMapping => (ctx) => {
  const attrs: Record<string, number | Nums> = {
    kernel_shape: nums(ctx, 'kernel'),
    strides: nums(ctx, 'strides'),
    pads: onnxPads2d(nums(ctx, 'pads')),
  };
  if (opType === 'AveragePool') attrs.count_include_pad = ctx.attrs.countIncludePad ? 1 : 0;
  return ctx.node(opType, ctx.inputs, attrs);
};

/** biasActivation (x, bias [C]) along `axis` → Add (bias reshaped to broadcast) and the activation. */
const biasActivation: OpMapping = (ctx) => {
  const axis = ctx.attrs.axis as number;
  const [x, bias] = ctx.inputs;
  const z = ctx.node('Add', [x, alongAxis(ctx, bias, ctx.inputShapes[1][0], axis, ctx.inputShapes[0].length)]);
  const act = ctx.attrs.activation as string;
  const table: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };
  const opType = table[act];
  if (opType === undefined) return ctx.fail(`activation '${act}' has no ONNX mapping`);
  return opType === null ? z : ctx.node(opType, [z]);
};

/** softmax / logSoftmax along `axis` → Softmax / LogSoftmax (opset ≥ 13 semantics: one axis). */
const softmaxLike = (opType: string): OpMapping => (ctx) => ctx.node(opType, ctx.inputs, { axis: ctx.attrs.axis as number });

/** Neural-network ops. */
export const NN: Readonly<Record<string, OpMapping>> = {
  conv2d,
  conv2dBackpropInput,
  maxPool2d: pool('MaxPool'),
  avgPool2d: pool('AveragePool'),
  biasActivation,
  softmax: softmaxLike('Softmax'),
  logSoftmax: softmaxLike('LogSoftmax'),
};
