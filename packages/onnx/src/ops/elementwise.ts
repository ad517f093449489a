import type { EmitContext, OpMapping } from './context.js';

const same = (opType: string): OpMapping => (ctx) => ctx.node(opType, ctx.inputs);

/** x·Φ(x) = 0.5·x·(1 + erf(x/√2)) — Gelu is an ONNX op only from opset 20. */
function gelu(ctx: EmitContext): string {
  if (ctx.opset >= 20) return ctx.node('Gelu', ctx.inputs);
  const g = ctx.graph;
  const [x] = ctx.inputs;
  const dt = ctx.outDType;
  const erf = ctx.node('Erf', [ctx.node('Div', [x, g.scalar('sqrt2', dt, Math.SQRT2)])]);
  return ctx.node('Mul', [ctx.node('Mul', [x, ctx.node('Add', [erf, g.scalar('one', dt, 1)])]), g.scalar('half', dt, 0.5)]);
}

/** Elementwise ops: ONNX has each (or a two-node equivalent). */
export const ELEMENTWISE: Readonly<Record<string, OpMapping>> = {
  add: same('Add'),
  sub: same('Sub'),
  mul: same('Mul'),
  div: same('Div'),
  pow: same('Pow'),
  maximum: same('Max'),
  minimum: same('Min'),
  neg: same('Neg'),
  abs: same('Abs'),
  sign: same('Sign'),
  exp: same('Exp'),
  log: same('Log'),
  sqrt: same('Sqrt'),
  reciprocal: same('Reciprocal'),
  sin: same('Sin'),
  cos: same('Cos'),
  tanh: same('Tanh'),
  sigmoid: same('Sigmoid'),
  relu: same('Relu'),
  softplus: same('Softplus'),
  erf: same('Erf'),
  floor: same('Floor'),
  ceil: same('Ceil'),
  round: same('Round'),
  gelu,
  square: (ctx) => ctx.node('Mul', [ctx.inputs[0], ctx.inputs[0]]),
  rsqrt: (ctx) => ctx.node('Reciprocal', [ctx.node('Sqrt', ctx.inputs)]),
  expm1: (ctx) => ctx.node('Sub', [ctx.node('Exp', ctx.inputs), ctx.graph.scalar('one', ctx.outDType, 1)]),
  log1p: (ctx) => ctx.node('Log', [ctx.node('Add', [ctx.inputs[0], ctx.graph.scalar('one', ctx.outDType, 1)])]),
  leakyRelu: (ctx) => ctx.node('LeakyRelu', ctx.inputs, { alpha: { float: ctx.attrs.alpha as number } }),
  elu: (ctx) => ctx.node('Elu', ctx.inputs, { alpha: { float: ctx.attrs.alpha as number } }),
  clip: (ctx) =>
    ctx.node('Clip', [
      ctx.inputs[0],
      ctx.graph.scalar('min', ctx.outDType, ctx.attrs.min as number),
      ctx.graph.scalar('max', ctx.outDType, ctx.attrs.max as number),
    ]),
  cast: (ctx) =>
    ctx.inputDTypes[0] === ctx.outDType ? ctx.node('Identity', ctx.inputs) : ctx.node('Cast', ctx.inputs, { to: elemType(ctx) }),
  where: same('Where'),
  equal: same('Equal'),
  notEqual: (ctx) => ctx.node('Not', [ctx.node('Equal', ctx.inputs)]),
  less: same('Less'),
  lessEqual: same('LessOrEqual'),
  greater: same('Greater'),
  greaterEqual: same('GreaterOrEqual'),
  logicalAnd: same('And'),
  logicalOr: same('Or'),
  logicalXor: same('Xor'),
  logicalNot: same('Not'),
};

function elemType(ctx: EmitContext): number {
  const t = { float32: 1, float64: 11, int32: 6, bool: 9 } as const;
  return t[ctx.outDType];
}
