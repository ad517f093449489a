import { IndexError, VIEW_GEOMETRY, stridesOf, type Kernel, type ViewGeometry, type PrimitiveAttrs, type TypedArray } from '@tessera/core';
import { copyStrided, forEachRow } from './iter.js';
import { alloc, valuesOf, wrap } from './storage.js';

type Attrs<N extends keyof PrimitiveAttrs> = PrimitiveAttrs[N];

/**
 * The common shape of transpose, broadcastTo, slice and flip: out (contiguous) is a
 * strided view of x, described by an offset and per-output-axis strides into x.
 */
function viewKernel<A>(view: ViewGeometry<A>): Kernel<A> {
  return ({ inputs: [x], attrs, out }) => {
    const y = alloc(out.dtype, out.size);
    const { offset, strides } = view(stridesOf(x.shape), x.shape, attrs);
    copyStrided(out.shape, valuesOf(x), offset, strides, y, 0, stridesOf(out.shape));
    return wrap(y);
  };
}

/** `transpose`: core's strided-view geometry (VIEW_GEOMETRY), copied to a contiguous output. */
export const transpose = viewKernel(VIEW_GEOMETRY.transpose);

/** `broadcastTo`: core's strided-view geometry (VIEW_GEOMETRY), copied to a contiguous output. */
export const broadcastTo = viewKernel(VIEW_GEOMETRY.broadcastTo);

/** `slice`: core's strided-view geometry (VIEW_GEOMETRY), copied to a contiguous output. */
export const slice = viewKernel(VIEW_GEOMETRY.slice);

/** `flip`: core's strided-view geometry (VIEW_GEOMETRY), copied to a contiguous output. */
export const flip = viewKernel(VIEW_GEOMETRY.flip);

/** Constant padding: fill with `value`, then copy x into the interior window. */
export const pad: Kernel<Attrs<'pad'>> = ({ inputs: [x], attrs: { pads, value }, out }) => {
  const y = alloc(out.dtype, out.size);
  if (!Object.is(value, 0)) y.fill(value);
  const os = stridesOf(out.shape);
  let offset = 0;
  for (let k = 0; k < os.length; k++) offset += pads[k][0] * os[k];
  copyStrided(x.shape, valuesOf(x), 0, stridesOf(x.shape), y, offset, os);
  return wrap(y);
};

/** Joins the inputs along `axis`: each is copied into its window of the output. */
export const concat: Kernel<Attrs<'concat'>> = ({ inputs, attrs, out }) => {
  const y = alloc(out.dtype, out.size);
  const rank = out.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const os = stridesOf(out.shape);
  let at = 0;
  for (const x of inputs) {
    copyStrided(x.shape, valuesOf(x), 0, stridesOf(x.shape), y, at * os[axis], os);
    at += x.shape[axis];
  }
  return wrap(y);
};

/** Throws for an index outside 0..size-1, naming the op, the value and the range. */
function indexOutOfRange(op: string, v: number, axis: number, size: number): never {
  throw new IndexError(
    `${op}: index ${v} is out of range for axis ${axis} of size ${size} (valid: 0..${size - 1}).`,
  );
}

/**
 * Walks the index tensor (contiguous, shape `idxShape`) together with x's element that
 * has the same coordinates except along `axis`, where the index value is used:
 * `visit(j, xOff)` gets the index tensor's flat position j and x's offset.
 */
function walkIndexed(
  op: string,
  idx: TypedArray,
  idxShape: readonly number[],
  xShape: readonly number[],
  axis: number,
  visit: (j: number, xOff: number) => void,
): void {
  const rank = xShape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const xs = stridesOf(xShape);
  const along = xs[ax];
  const size = xShape[ax];
  const xsNoAxis = xs.slice();
  xsNoAxis[ax] = 0;
  forEachRow(idxShape, [stridesOf(idxShape), xsNoAxis], [0, 0], (offs, len, inner) => {
    let j = offs[0];
    let xo = offs[1];
    const sj = inner[0];
    const sx = inner[1];
    for (let t = 0; t < len; t++) {
      const v = idx[j];
      if (!(v >= 0 && v < size)) indexOutOfRange(op, v, ax, size);
      visit(j, xo + v * along);
      j += sj;
      xo += sx;
    }
  });
}

/** torch.gather: out[p] = x[p with p[axis] replaced by index[p]]. */
export const gather: Kernel<Attrs<'gather'>> = ({ inputs: [x, index], attrs, out }) => {
  const y = alloc(out.dtype, out.size);
  const xv = valuesOf(x);
  walkIndexed('gather', valuesOf(index), index.shape, x.shape, attrs.axis, (j, xo) => {
    y[j] = xv[xo];
  });
  return wrap(y);
};

/** torch.scatter_add, out of place: out = x; out[index[j] along axis] += src[j]. */
export const scatterAdd: Kernel<Attrs<'scatterAdd'>> = ({ inputs: [x, index, src], attrs, out }) => {
  const y = alloc(out.dtype, out.size);
  y.set(valuesOf(x));
  const sv = valuesOf(src);
  walkIndexed('scatterAdd', valuesOf(index), index.shape, x.shape, attrs.axis, (j, yo) => {
    y[yo] += sv[j];
  });
  return wrap(y);
};
