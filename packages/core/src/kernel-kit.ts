import type { AnyKernel } from './backend.js';
import type { PrimitiveAttrs } from './primitives.js';

/**
 * Builds one kernel per name of a family (the reductions, a backend's specialised ops):
 * the helper every backend's kernel table uses.
 *
 * @example
 * const table = { ...kernelFamily(REDUCE_OPS, reduceKernel), matmul };
 */
export function kernelFamily<N extends string>(names: readonly N[], make: (name: N) => AnyKernel): Record<N, AnyKernel> {
  const table = {} as Record<N, AnyKernel>;
  for (const name of names) table[name] = make(name);
  return table;
}

/** A movement op's output as a strided view of its input: element offset and per-output-axis strides. */
export interface StridedView {
  readonly offset: number;
  readonly strides: number[];
}

/** How a view op reads its input, given the input's row-major strides and shape and the op's attributes. */
export type ViewGeometry<A> = (xStrides: readonly number[], xShape: readonly number[], attrs: A) => StridedView;

/**
 * transpose, broadcastTo, slice and flip as strided views: a backend copies
 * `x[offset + Σ i_k·strides[k]]` into its contiguous output (the one description every
 * backend's movement kernels share).
 */
export const VIEW_GEOMETRY: {
  readonly transpose: ViewGeometry<PrimitiveAttrs['transpose']>;
  readonly broadcastTo: ViewGeometry<PrimitiveAttrs['broadcastTo']>;
  readonly slice: ViewGeometry<PrimitiveAttrs['slice']>;
  readonly flip: ViewGeometry<PrimitiveAttrs['flip']>;
} = {
  /** out.shape[k] = x.shape[perm[k]]. */
  transpose: (xs, _shape, { perm }) => ({ offset: 0, strides: perm.map((p) => xs[p]) }),
  /** Same rank as out: stride 0 on size-1 axes that grow. */
  broadcastTo: (xs, shape, { shape: to }) => ({ offset: 0, strides: xs.map((s, k) => (shape[k] === 1 && to[k] !== 1 ? 0 : s)) }),
  /** out[i] = x[begin + i·step] per axis. */
  slice: (xs, _shape, { begin, step }) => ({
    offset: xs.reduce((acc, s, k) => acc + begin[k] * s, 0),
    strides: xs.map((s, k) => s * step[k]),
  }),
  /** Reverses the listed axes: start at each one's last element and walk backwards. */
  flip: (xs, shape, { axes }) => {
    const strides = xs.slice();
    let offset = 0;
    for (const k of new Set(axes.map((ax) => (ax < 0 ? ax + shape.length : ax)))) {
      if (shape[k] === 0) continue;
      offset += (shape[k] - 1) * xs[k];
      strides[k] = -xs[k];
    }
    return { offset, strides };
  },
};
