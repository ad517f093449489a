import { type BinaryOpName, type Kernel, type NoAttrs, type PrimitiveAttrs } from '@tessera/core';
import { wgslType } from '../storage.js';
import { binaryExpr, convert, UNARY_EXPR, type UnaryFamilyName } from '../wgsl/scalar.js';
import { gpuOf } from './gpu-of.js';
import { runMap } from './map.js';

/** Float attributes of the unary ops that have them, in `a0, a1` order. */
function unaryAttrs(name: UnaryFamilyName, attrs: object): number[] {
  if (name === 'clip') {
    const a = attrs as PrimitiveAttrs['clip'];
    return [a.min, a.max];
  }
  if (name === 'leakyRelu' || name === 'elu') return [(attrs as PrimitiveAttrs['elu']).alpha];
  return [];
}

/** Builds the kernel of one unary op from the expression table. */
export function unaryKernel<N extends UnaryFamilyName>(name: N): Kernel<PrimitiveAttrs[N]> {
  return ({ backend, inputs: [x], attrs, out }) => {
    const t = wgslType(x.dtype);
    const expr = convert(UNARY_EXPR[name](t), name === 'logicalNot' ? 'u32' : t, wgslType(out.dtype));
    const spec = { name, vars: ['x'], inTypes: [t], outType: wgslType(out.dtype), expr, attrs: unaryAttrs(name, attrs as object) };
    return runMap(gpuOf(backend), spec, [x], out);
  };
}

/** Element type conversion (float→int truncates toward zero; nonzero→true). */
export const cast: Kernel<PrimitiveAttrs['cast']> = ({ backend, inputs: [x], out }) => {
  const from = wgslType(x.dtype);
  const to = wgslType(out.dtype);
  return runMap(gpuOf(backend), { name: 'cast', vars: ['x'], inTypes: [from], outType: to, expr: convert('x', from, to) }, [x], out);
};

/** Builds the kernel of one binary op (NumPy broadcasting) from the expression table. */
export function binaryKernel(name: BinaryOpName): Kernel<NoAttrs> {
  return ({ backend, inputs: [a, b], out }) => {
    const t = wgslType(a.dtype);
    const spec = { name, vars: ['a', 'b'], inTypes: [t, t], outType: wgslType(out.dtype), expr: binaryExpr(name, t) };
    return runMap(gpuOf(backend), spec, [a, b], out);
  };
}

/** where(cond, a, b), all broadcast to the output. */
export const where: Kernel<NoAttrs> = ({ backend, inputs: [c, a, b], out }) => {
  const t = wgslType(a.dtype);
  const spec = { name: 'where', vars: ['c', 'a', 'b'], inTypes: ['u32', t, t] as const, outType: t, expr: 'select(b, a, c != 0u)' };
  return runMap(gpuOf(backend), spec, [c, a, b], out);
};
