import { BackendError, ex, lowerExpr, mapLeaves, primitiveDefs, type AnyKernel, type BiasActivationAttrs, type BiasAddGradAttrs, type Expr, type FusedActivation, type Kernel, type LoweredExpr, type TensorData } from '@tessera/core';
import { asGpu } from '../storage.js';
import { runExpr } from './expr.js';
import { gpuOf } from './gpu-of.js';
import { reduce } from './reduce.js';

const X = ex.input(0);
const B = ex.input(1);

/** act(x + b) from core's own expression of the activation (relu's select keeps NaN). */
function forwardExpr(activation: FusedActivation): Expr {
  const z = ex.add(X, B);
  if (activation === 'linear') return z;
  const act = primitiveDefs[activation].elementwise?.({}, []).expr;
  if (!act) throw new BackendError(`webgpu: biasActivation: core's '${activation}' has no expression to fuse.`);
  return mapLeaves(act, (leaf) => (leaf.op === 'input' ? z : leaf));
}

/**
 * dy·act′ from the output (core's rules for `biasActivationGrad`), in `g` = input 0 (dy)
 * and `o` = input 1 (the forward's output).
 */
const G = ex.input(0);
const O = ex.input(1);
const FROM_OUTPUT: Readonly<Record<FusedActivation, Expr>> = {
  linear: G,
  relu: ex.select(ex.gt(O, 0), G, 0),
  sigmoid: ex.mul(G, ex.mul(O, ex.sub(1, O))),
  tanh: ex.mul(G, ex.sub(1, ex.mul(O, O))),
};

const F32 = ['float32', 'float32'] as const;
/** An activation's expression lowered for two float32 inputs, once (on first use). */
function loweredBy(make: (a: FusedActivation) => Expr): (a: FusedActivation) => LoweredExpr {
  const done = new Map<FusedActivation, LoweredExpr>();
  return (a) => {
    let l = done.get(a);
    if (!l) done.set(a, (l = lowerExpr(make(a), F32)));
    return l;
  };
}
const forward = loweredBy(forwardExpr);
const backward = loweredBy((a) => FROM_OUTPUT[a]);

/** x viewed as [outer, C, inner] around `axis`. */
function around(shape: readonly number[], axis: number): { outer: number; c: number; inner: number } {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return { outer: prod(shape.slice(0, axis)), c: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

/** act(x + bias) in one expression dispatch: the bias is read as [1, …, C, …, 1] with broadcast strides. */
const biasActivation: Kernel<BiasActivationAttrs> = ({ backend, inputs: [x, bias], attrs: { axis, activation }, out }) => {
  const along: TensorData = { ...bias, shape: x.shape.map((d, i) => (i === axis ? d : 1)) };
  return runExpr(backend, forward(activation), [], [x, along], out);
};

/** dz = dy·act′(y) in one expression dispatch. */
const biasActivationGrad: Kernel<BiasActivationAttrs> = ({ backend, inputs, attrs: { activation }, out }) =>
  runExpr(backend, backward(activation), [], inputs, out);

/**
 * dbias: dz [outer, C, inner] summed over outer and inner with the sum reduction's
 * kernels, in place (no transpose): one dispatch when outer or inner is 1 ([N, F] with
 * the bias last: a column sum), else two (rows of `inner`, then columns of the partials).
 */
const biasAddGrad: Kernel<BiasAddGradAttrs> = ({ backend, inputs: [dz], attrs: { axis } }) => {
  const gpu = gpuOf(backend);
  const { outer, c, inner } = around(dz.shape, axis);
  const z = asGpu(dz.dataId, 'biasAddGrad');
  if (inner === 1) return reduce(gpu, 'sum', z, dz.dtype, dz.dtype, { outer: 1, reduce: outer, inner: c });
  const rows = reduce(gpu, 'sum', z, dz.dtype, dz.dtype, { outer: outer * c, reduce: inner, inner: 1 });
  if (outer === 1) return rows;
  const sums = reduce(gpu, 'sum', rows, dz.dtype, dz.dtype, { outer: 1, reduce: outer, inner: c });
  gpu.release(rows);
  return sums;
};

/**
 * Fused kernels for core's `biasActivation` composite and its gradient composites: the
 * forward and dx in one dispatch each (instead of add + activation, and the activation's
 * gradient ops), dbias in one or two reduction dispatches (instead of a transpose and a sum).
 */
export const biasActivationKernels: Readonly<Record<'biasActivation' | 'biasActivationGrad' | 'biasAddGrad', AnyKernel>> = {
  biasActivation: biasActivation as AnyKernel,
  biasActivationGrad: biasActivationGrad as AnyKernel,
  biasAddGrad: biasAddGrad as AnyKernel,
};
