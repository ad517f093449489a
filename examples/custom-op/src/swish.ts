/**
 * A custom op written by a third party against Tessera's public API only:
 * swish(x) = x·sigmoid(x) (a.k.a. SiLU), with
 *  - an op definition (`defineOp`): shape/dtype inference and a gradient written with ops
 *    (so second-order gradients work too),
 *  - a CPU kernel, registered for backend 'cpu' by a kernels plugin,
 *  - a bundle plugin that installs both with one `use(swishPlugin())`.
 */
import {
  CORE_API_VERSION,
  DTypeError,
  add,
  allocArray,
  defineOp,
  mul,
  runOp,
  sigmoid,
  sub,
  type AnyKernel,
  type BundlePlugin,
  type Kernel,
  type OpDef,
  type Tensor,
} from '@tessera/core';

type NoAttrs = Record<string, never>;

/** The op definition: a kernel computes it; the gradient is composed of existing ops. */
export const swishDef: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: 'swish',
  infer: ([x]) => {
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new DTypeError(`swish: expects a float dtype but got ${x.dtype}; cast first, e.g. x.cast('float32').`);
    }
    return { shape: [...x.shape], dtype: x.dtype };
  },
  // d/dx x·σ(x) = σ(x) + x·σ(x)·(1 − σ(x)) = σ(x)·(1 + x·(1 − σ(x)))
  grad: (dy, { inputs: [x] }) => {
    const s = sigmoid(x);
    return [mul(dy, mul(s, add(1, mul(x, sub(1, s)))))];
  },
});

/** The CPU kernel: reads the input synchronously, computes in doubles, writes fresh storage. */
export const swishCpuKernel: Kernel<NoAttrs> = ({ backend, inputs: [x], out }) => {
  const xs = backend.readSync!(x.dataId, x.dtype, x.size);
  const ys = allocArray(out.dtype, out.size);
  for (let i = 0; i < ys.length; i++) {
    const v = xs[i];
    // x·σ(x), written to stay finite for large |x|.
    ys[i] = v >= 0 ? v / (1 + Math.exp(-v)) : (v * Math.exp(v)) / (1 + Math.exp(v));
  }
  return backend.write(ys, out.dtype, out.shape);
};

/** One plugin that installs the op definition and its CPU kernel: `use(swishPlugin())`. */
export function swishPlugin(): BundlePlugin {
  return {
    kind: 'bundle',
    name: 'swish',
    coreApi: CORE_API_VERSION,
    plugins: [
      { kind: 'ops', name: 'swish-ops', coreApi: CORE_API_VERSION, ops: [swishDef as OpDef<never>] },
      { kind: 'kernels', name: 'swish-cpu', coreApi: CORE_API_VERSION, backend: 'cpu', kernels: { swish: swishCpuKernel as AnyKernel } },
    ],
  };
}

/** swish(x) = x·sigmoid(x). Runs the registered kernel of x's backend. */
export function swish(x: Tensor): Tensor {
  return runOp(swishDef, [x], {});
}
