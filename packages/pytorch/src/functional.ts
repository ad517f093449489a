import type { RecordedOp } from '@tessera/core';
import { PytorchExportError } from './errors.js';
import { py } from './python.js';

type Emit = (x: readonly string[], op: RecordedOp) => string;

const BINARY: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/' };
const UNARY: Readonly<Record<string, string>> = {
  neg: 'torch.neg',
  abs: 'torch.abs',
  exp: 'torch.exp',
  log: 'torch.log',
  sqrt: 'torch.sqrt',
  rsqrt: 'torch.rsqrt',
  reciprocal: 'torch.reciprocal',
  sin: 'torch.sin',
  cos: 'torch.cos',
  tanh: 'torch.tanh',
  sigmoid: 'torch.sigmoid',
  relu: 'torch.relu',
  erf: 'torch.erf',
  gelu: 'F.gelu',
  softplus: 'F.softplus',
  square: 'torch.square',
  floor: 'torch.floor',
  ceil: 'torch.ceil',
  expm1: 'torch.expm1',
  log1p: 'torch.log1p',
};

const attrs = <T>(op: RecordedOp): T => op.attrs as T;

/** Python's slice of one axis; a slice that runs to the end is written from the end, so it fits any length. */
function axisSlice(begin: number, size: number, step: number, dim: number): string {
  if (begin === 0 && size === dim && step === 1) return ':';
  if (step === 1 && begin + size === dim) return `-${size}:`;
  return `${begin}:${begin + (size - 1) * step + 1}${step === 1 ? '' : `:${step}`}`;
}

/** A reshape that keeps the batch axis keeps it symbolically (`x.shape[0]`), so the code runs for any batch size. */
const reshape: Emit = ([x], op) => {
  const { shape } = attrs<{ shape: readonly number[] }>(op);
  const keepsBatch = shape.length > 0 && op.inputs[0]!.shape.length > 0 && shape[0] === op.inputs[0]!.shape[0];
  return `${x}.reshape(${keepsBatch ? [`${x}.shape[0]`, ...shape.slice(1)].join(', ') : shape.join(', ')})`;
};

/** A 2-D pool op: symmetric pads only (PyTorch's pools take one pad per axis). */
function pool2d(kind: 'max' | 'avg'): Emit {
  return ([x], op) => {
    const a = attrs<{ kernel: number[]; strides: number[]; pads: number[]; countIncludePad?: boolean; ceilMode?: boolean }>(op);
    const [t, b, l, r] = a.pads; // [top, bottom, left, right]
    if (t !== b || l !== r)
      throw new PytorchExportError(`exportPytorch: ${kind}Pool2d with uneven padding [${a.pads.join(', ')}] has no PyTorch counterpart.`);
    const extra = kind === 'avg' && a.countIncludePad === false ? ', count_include_pad=False' : '';
    return `F.${kind}_pool2d(${x}, ${py(a.kernel)}, ${py(a.strides)}, ${py([t, l])}${a.ceilMode ? ', ceil_mode=True' : ''}${extra})`;
  };
}

/**
 * A reduction over [outer, reduce, inner] (core's layout): the contiguous input axes whose
 * sizes multiply to `reduce` after `outer`, reduced by name so any batch size fits.
 */
function reduction(fn: string): Emit {
  return ([x], op) => {
    const { outer, reduce } = attrs<{ outer: number; reduce: number; inner: number }>(op);
    const dims = op.inputs[0]!.shape;
    let a = 0;
    for (let p = 1; a < dims.length && p !== outer; a++) p *= dims[a]!;
    const axes: number[] = [];
    for (let p = 1, k = a; k < dims.length && p !== reduce; k++) {
      p *= dims[k]!;
      axes.push(k);
    }
    if (reduce === 1 && axes.length === 0) axes.push(a);
    const keep = op.output.shape.length === dims.length;
    return `${fn}(${x}, dim=${py(axes)}${keep ? ', keepdim=True' : ''})`;
  };
}

const OPS: Readonly<Record<string, Emit>> = {
  sum: reduction('torch.sum'),
  max: reduction('torch.amax'),
  min: reduction('torch.amin'),
  ...Object.fromEntries(Object.entries(BINARY).map(([name, sym]) => [name, ([a, b]: readonly string[]) => `(${a} ${sym} ${b})`])),
  ...Object.fromEntries(Object.entries(UNARY).map(([name, fn]) => [name, ([a]: readonly string[]) => `${fn}(${a})`])),
  pow: ([a, b]) => `torch.pow(${a}, ${b})`,
  maximum: ([a, b]) => `torch.maximum(${a}, ${b})`,
  minimum: ([a, b]) => `torch.minimum(${a}, ${b})`,
  leakyRelu: ([x], op) => `F.leaky_relu(${x}, ${py(attrs<{ alpha: number }>(op).alpha)})`,
  elu: ([x], op) => `F.elu(${x}, ${py(attrs<{ alpha: number }>(op).alpha)})`,
  clip: ([x], op) => `torch.clamp(${x}, ${py(attrs<{ min: number }>(op).min)}, ${py(attrs<{ max: number }>(op).max)})`,
  softmax: ([x], op) => `torch.softmax(${x}, ${py(attrs<{ axis: number }>(op).axis)})`,
  logSoftmax: ([x], op) => `torch.log_softmax(${x}, ${py(attrs<{ axis: number }>(op).axis)})`,
  matmul: ([a, b], op) => {
    const { transposeA, transposeB } = attrs<{ transposeA: boolean; transposeB: boolean }>(op);
    return `torch.matmul(${transposeA ? `${a}.transpose(-1, -2)` : a}, ${transposeB ? `${b}.transpose(-1, -2)` : b})`;
  },
  transpose: ([x], op) => `${x}.permute(${attrs<{ perm: number[] }>(op).perm.join(', ')})`,
  reshape,
  concat: (xs, op) => `torch.cat([${xs.join(', ')}], ${py(attrs<{ axis: number }>(op).axis)})`,
  slice: ([x], op) => {
    const { begin, size, step } = attrs<{ begin: number[]; size: number[]; step: number[] }>(op);
    const dims = op.inputs[0]!.shape;
    return `${x}[${begin.map((b, i) => axisSlice(b, size[i]!, step[i]!, dims[i]!)).join(', ')}]`;
  },
  pad: ([x], op) => {
    const { pads, value } = attrs<{ pads: readonly (readonly [number, number])[]; value: number }>(op);
    // F.pad takes (before, after) pairs from the last axis backwards, and needs none for leading unpadded axes.
    let last = 0;
    pads.forEach(([b, a], i) => (b !== 0 || a !== 0 ? (last = i) : undefined));
    const pairs = pads.slice(last).reverse().flatMap(([b, a]) => [b, a]);
    return `F.pad(${x}, ${py(pairs)}${value === 0 ? '' : `, value=${py(value)}`})`;
  },
  maxPool2d: pool2d('max'),
  avgPool2d: pool2d('avg'),
};

/**
 * The Python expression of an op issued by a module's own forward code, from its inputs'
 * expressions. An op without a counterpart is a `PytorchExportError` naming it and the module.
 */
export function functionalOp(op: RecordedOp, inputs: readonly string[], module: string): string {
  const emit = OPS[op.def.name];
  if (!emit) {
    throw new PytorchExportError(
      `exportPytorch: the forward of '${module || '(root)'}' uses the op '${op.def.name}', which has no PyTorch counterpart here (ops ` +
        `written: ${Object.keys(OPS).sort().join(', ')}).`,
    );
  }
  return emit(inputs, op);
}
