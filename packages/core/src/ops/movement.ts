import { runOp } from '../engine.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { OpDef, TensorInfo } from '../op.js';
import type { PrimitiveAttrs } from '../primitives.js';
import { normAxes, normAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast } from './binary.js';
import { zerosLike } from './creation.js';
import { assertDType } from './util.js';

type Def<N extends keyof PrimitiveAttrs> = OpDef<PrimitiveAttrs[N]>;

/** Reshape shares storage: no kernel runs. */
export const reshapeDef: OpDef<{ readonly shape: readonly number[] }> = {
  name: 'reshape',
  view: true,
  infer: ([x], { shape }) => ({ shape: [...shape], dtype: x.dtype }),
  grad: (dy, { inputs: [x] }) => [reshape(dy, x.shape)],
};

/** Resolves one −1 in a target shape; throws a ShapeError naming both shapes. */
function resolveShape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const size = sizeOf(from);
  const free = to.indexOf(-1);
  const known = sizeOf(to.filter((d) => d !== -1));
  const out = [...to];
  if (free >= 0) {
    if (to.lastIndexOf(-1) !== free || known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(to)}.`);
    }
    out[free] = size / known;
  }
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(
      `${op}: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(to)} (${sizeOf(out)} elements). ` +
        `Sizes must multiply to the same count; use -1 for one inferred axis.`,
    );
  }
  return out;
}

/** A view with a new shape (one axis may be −1). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('reshape');
  return runOp(reshapeDef, [x], { shape: resolveShape('reshape', x.shape, shape) });
}

/** Flattens axes startAxis..endAxis into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startAxis, x.rank);
  const e = normAxis('flatten', endAxis, x.rank);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Removes size-1 axes (all of them, or the listed ones). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axes, x.rank);
  for (const a of ax) {
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1.`);
  }
  return reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Inserts a size-1 axis at `axis` (−1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

const transposeDef: Def<'transpose'> = {
  name: 'transpose',
  infer: ([x], { perm }) => {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
      throw new ShapeError(`permute: [${perm.join(', ')}] is not a permutation of the ${x.shape.length} axes of ${fmtShape(x.shape)}.`);
    }
    return { shape: perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  grad: (dy, { attrs: { perm } }) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [permute(dy, inv)];
  },
};

/** Reorders axes: out.shape[k] = x.shape[perm[k]]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis('permute', a, x.rank));
  if (p.every((a, i) => a === i)) return reshape(x, x.shape);
  return runOp(transposeDef, [x], { perm: p });
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) return reshape(x, x.shape);
  const a = normAxis('transpose', axis0, x.rank);
  const b = normAxis('transpose', axis1, x.rank);
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

const broadcastDef: Def<'broadcastTo'> = {
  name: 'broadcastTo',
  infer: ([x], { shape }) => {
    if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== 1 && d !== shape[i])) {
      throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}.`);
    }
    return { shape: [...shape], dtype: x.dtype };
  },
  grad: (dy, { inputs: [x] }) => [unbroadcast(dy, x.shape)],
};

/** Broadcasts to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.rank) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to the lower-rank ${fmtShape(shape)}.`);
  }
  if (shapesEqual(x.shape, shape)) return reshape(x, shape);
  return tidy(() => {
    const padded = x.rank === shape.length ? x : reshape(x, [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape]);
    return runOp(broadcastDef, [padded], { shape });
  });
}

const sliceDef: Def<'slice'> = {
  name: 'slice',
  infer: ([x], { begin, size, step }) => {
    x.shape.forEach((d, i) => {
      if (begin[i] < 0 || step[i] < 1 || (size[i] > 0 && begin[i] + (size[i] - 1) * step[i] >= d)) {
        throw new ShapeError(
          `slice: begin [${begin.join(', ')}], size [${size.join(', ')}], step [${step.join(', ')}] ` +
            `is out of bounds for ${fmtShape(x.shape)} at axis ${i}.`,
        );
      }
    });
    return { shape: [...size], dtype: x.dtype };
  },
  grad: (dy, { inputs: [x], attrs }) => [sliceGrad(dy, x.shape, attrs)],
};

/** Places dy back at the sliced positions, zeros elsewhere (pads; strided axes interleave zeros). */
function sliceGrad(dy: Tensor, shape: readonly number[], { begin, size, step }: PrimitiveAttrs['slice']): Tensor {
  let g = dy;
  const pads: [number, number][] = [];
  for (let i = 0; i < shape.length; i++) {
    let extent = size[i];
    if (step[i] > 1 && size[i] > 0) {
      // [.., n, ..] → [.., n, step, ..] with zeros after each value → trim to (n−1)·step+1.
      const s = g.shape;
      const withAxis = reshape(g, [...s.slice(0, i + 1), 1, ...s.slice(i + 1)]);
      const padSpec = withAxis.shape.map((_, k): [number, number] => (k === i + 1 ? [0, step[i] - 1] : [0, 0]));
      const spread = pad(withAxis, padSpec);
      const merged = reshape(spread, [...s.slice(0, i), s[i] * step[i], ...s.slice(i + 1)]);
      extent = (size[i] - 1) * step[i] + 1;
      g = narrow(merged, i, 0, extent);
    }
    pads.push([begin[i], shape[i] - begin[i] - extent]);
  }
  return pad(g, pads);
}

/**
 * A sub-block: `begin` per axis (negative counts from the end) and `size` per axis (−1 to
 * the end; omitted: to the end), with optional positive `step`.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[], step?: readonly number[]): Tensor {
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    return v < 0 ? v + d : v;
  });
  const st = x.shape.map((_, i) => step?.[i] ?? 1);
  const sz = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    return v === -1 ? Math.max(Math.ceil((d - b[i]) / st[i]), 0) : v;
  });
  return runOp(sliceDef, [x], { begin: b, size: sz, step: st });
}

/** `length` elements of `axis` starting at `start` (PyTorch's narrow). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis('narrow', axis, x.rank);
  const begin = x.shape.map((_, i) => (i === a ? start : 0));
  const size = x.shape.map((d, i) => (i === a ? length : d));
  return slice(x, begin, size);
}

const concatDef: Def<'concat'> = {
  name: 'concat',
  infer: (xs, { axis }) => {
    const first = xs[0];
    for (const t of xs) {
      if (t.dtype !== first.dtype) {
        throw new DTypeError(`concat: inputs have dtypes ${xs.map((x) => x.dtype).join(', ')}; cast them to one dtype.`);
      }
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError(
          `concat: shapes ${xs.map((x) => fmtShape(x.shape)).join(', ')} differ outside axis ${axis}.`,
        );
      }
    }
    const shape = [...first.shape];
    shape[axis] = xs.reduce((n, t) => n + t.shape[axis], 0);
    return { shape, dtype: first.dtype };
  },
  grad: (dy, { inputs, attrs: { axis } }) => {
    let offset = 0;
    return inputs.map((t) => {
      const g = narrow(dy, axis, offset, t.shape[axis]);
      offset += t.shape[axis];
      return g;
    });
  },
};

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat: needs at least one tensor.');
  const a = normAxis('concat', axis, tensors[0].rank);
  if (tensors.length === 1) return reshape(tensors[0], tensors[0].shape);
  return runOp(concatDef, tensors, { axis: a });
}

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('stack: needs at least one tensor.');
  const a = normAxis('stack', axis, tensors[0].rank + 1);
  for (const t of tensors) {
    if (!shapesEqual(t.shape, tensors[0].shape)) {
      throw new ShapeError(`stack: all shapes must be equal; got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}.`);
    }
  }
  return tidy(() => concat(tensors.map((t) => unsqueeze(t, a)), a));
}

/** Splits into pieces of the given sizes (or `n` equal pieces) along an axis. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normAxis('split', axis, x.rank);
  const d = x.shape[a];
  let list: number[];
  if (typeof sizes === 'number') {
    if (d % sizes !== 0) throw new ShapeError(`split: axis ${a} of size ${d} does not split into ${sizes} equal parts.`);
    list = new Array<number>(sizes).fill(d / sizes);
  } else list = [...sizes];
  if (list.reduce((s, v) => s + v, 0) !== d) {
    throw new ShapeError(`split: sizes [${list.join(', ')}] do not add up to ${d} (axis ${a} of ${fmtShape(x.shape)}).`);
  }
  let offset = 0;
  return list.map((n) => {
    const part = narrow(x, a, offset, n);
    offset += n;
    return part;
  });
}

const padDef: Def<'pad'> = {
  name: 'pad',
  infer: ([x], { pads }) => {
    if (pads.length !== x.shape.length || pads.some(([b, a]) => b < 0 || a < 0 || !Number.isInteger(b) || !Number.isInteger(a))) {
      throw new ShapeError(`pad: needs one non-negative [before, after] pair per axis of ${fmtShape(x.shape)}.`);
    }
    return { shape: x.shape.map((d, i) => d + pads[i][0] + pads[i][1]), dtype: x.dtype };
  },
  grad: (dy, { inputs: [x], attrs: { pads } }) => [slice(dy, pads.map((p) => p[0]), x.shape)],
};

/** Constant padding: pads[k] = [before, after] for axis k. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  return runOp(padDef, [x], { pads, value });
}

const flipDef: Def<'flip'> = {
  name: 'flip',
  infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
  grad: (dy, { attrs: { axes } }) => [runOp(flipDef, [dy], { axes })],
};

/** Reverses the order of elements along axes. */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  return runOp(flipDef, [x], { axes: normAxes('flip', axes, x.rank) });
}

/** Repeats the tensor `reps[k]` times along axis k (like torch.tile). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const r = [...new Array<number>(Math.max(0, x.rank - reps.length)).fill(1), ...reps];
  const shape = [...new Array<number>(Math.max(0, r.length - x.rank)).fill(1), ...x.shape];
  return tidy(() => {
    const inter = reshape(x, shape.flatMap((d) => [1, d]));
    const wide = broadcastTo(inter, shape.flatMap((d, i) => [r[i], d]));
    return reshape(wide, shape.map((d, i) => d * r[i]));
  });
}

function indexInfer(op: string, x: TensorInfo, index: TensorInfo, axis: number): void {
  assertDType(op, index.dtype, 'numeric');
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32 (got ${index.dtype}); cast('int32') it.`);
  if (index.shape.length !== x.shape.length || index.shape.some((d, i) => i !== axis && d > x.shape[i])) {
    throw new ShapeError(
      `${op}: index ${fmtShape(index.shape)} must have the rank of the input ${fmtShape(x.shape)} ` +
        `and no larger size off axis ${axis}.`,
    );
  }
}

const gatherDef: Def<'gather'> = {
  name: 'gather',
  infer: ([x, index], { axis }) => {
    indexInfer('gather', x, index, axis);
    return { shape: [...index.shape], dtype: x.dtype };
  },
  grad: (dy, { inputs: [x, index], attrs: { axis } }) => [scatterAdd(zerosLike(x), axis, index, dy), null],
};

/** torch.gather: out[…i…] = x[…index[…i…]…] along `axis`; index is int32 of x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  return runOp(gatherDef, [x, index], { axis: normAxis('gather', axis, x.rank) });
}

const scatterAddDef: Def<'scatterAdd'> = {
  name: 'scatterAdd',
  infer: ([x, index, src], { axis }) => {
    indexInfer('scatterAdd', x, index, axis);
    if (!shapesEqual(index.shape, src.shape)) {
      throw new ShapeError(`scatterAdd: src ${fmtShape(src.shape)} must have the index's shape ${fmtShape(index.shape)}.`);
    }
    if (src.dtype !== x.dtype) throw new DTypeError(`scatterAdd: src is ${src.dtype} but x is ${x.dtype}; cast one.`);
    return { shape: [...x.shape], dtype: x.dtype };
  },
  grad: (dy, { inputs: [, index], attrs: { axis } }) => [dy, null, gather(dy, axis, index)],
};

/** torch.scatter_add (out of place): x with src added at `index` along `axis`. */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  return runOp(scatterAddDef, [x, index, src], { axis: normAxis('scatterAdd', axis, x.rank) });
}

/** Picks entries along `axis` by a 1-d int32 index list (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  const a = normAxis('indexSelect', axis, x.rank);
  if (indices.rank !== 1) throw new ShapeError(`indexSelect: indices must be 1-d (got ${fmtShape(indices.shape)}).`);
  return tidy(() => {
    const outShape = x.shape.map((d, i) => (i === a ? indices.size : d));
    const idx = reshape(indices, x.shape.map((_, i) => (i === a ? indices.size : 1)));
    return gather(x, a, broadcastTo(idx, outShape));
  });
}

/** Op definitions of the movement family (for registries and the conformance kit). */
export const movementDefs = {
  reshape: reshapeDef,
  transpose: transposeDef,
  broadcastTo: broadcastDef,
  slice: sliceDef,
  concat: concatDef,
  pad: padDef,
  flip: flipDef,
  gather: gatherDef,
  scatterAdd: scatterAddDef,
} as const;
