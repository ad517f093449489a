import { VIEW_GEOMETRY, stridesOf, type Kernel, type PrimitiveAttrs, type TensorData, type ViewGeometry } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage, wgslType } from '../storage.js';
import { f32Bits, ParamList, pu } from '../wgsl/params.js';
import { bindings, ELEMENT_WG, perElementMain, stridedOffsets } from '../wgsl/shader.js';
import { gpuOf } from './gpu-of.js';
import { coalesce } from './layout.js';

type Attrs<N extends keyof PrimitiveAttrs> = PrimitiveAttrs[N];

/**
 * Copies a strided view of `src` into a strided view of `dst` over `shape`. Every element
 * is 4 bytes on the GPU, so one pipeline per rank serves all dtypes (bound as u32).
 * transpose, broadcastTo, slice, flip, concat and pad are all this copy.
 */
function copyStrided(
  gpu: GpuContext,
  shape: readonly number[],
  src: GpuStorage,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: GpuStorage,
  dstOffset: number,
  dstStrides: readonly number[],
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const lay = coalesce(shape, [srcStrides, dstStrides]);
  const rank = lay.shape.length;
  const p = new ParamList();
  p.ints(n);
  const shapeAt = p.ints(...lay.shape);
  const srcAt = p.ints(...lay.strides[0]);
  const dstAt = p.ints(...lay.strides[1]);
  const baseAt = p.ints(srcOffset, dstOffset);
  const code = () =>
    [
      bindings({ name: 'y', type: 'u32' }, [{ name: 'x', type: 'u32' }]),
      perElementMain(`${stridedOffsets(rank, shapeAt, [srcAt, dstAt], [baseAt, baseAt + 1])}\n  y[u32(o1)] = x[u32(o0)];`),
    ].join('\n');
  gpu.dispatch({ key: `copy:r${rank}`, code, inputs: 1 }, dst, [src], p.words, gpu.groupsFor(n, ELEMENT_WG));
}

/** Fills `dst` with one 32-bit pattern. */
export function fill(gpu: GpuContext, dst: GpuStorage, bits: number): void {
  if (dst.size === 0) return;
  const code = () => [bindings({ name: 'y', type: 'u32' }, []), perElementMain(`  y[i] = ${pu(1)};`)].join('\n');
  gpu.dispatch({ key: 'fill', code, inputs: 0 }, dst, [], [dst.size, bits >>> 0], gpu.groupsFor(dst.size, ELEMENT_WG));
}

/** The GPU bit pattern of a constant in a dtype (float32 bits, int32, bool 0/1). */
function constantBits(value: number, dtype: TensorData['dtype']): number {
  if (dtype === 'float32') return f32Bits(value);
  if (dtype === 'bool') return value ? 1 : 0;
  return Math.trunc(value) | 0;
}

/** A kernel whose output (contiguous) is a strided view of its input. */
function viewKernel<A>(view: ViewGeometry<A>): Kernel<A> {
  return ({ backend, inputs: [x], attrs, out }) => {
    const gpu = gpuOf(backend);
    const y = gpu.alloc('copy', out.size, out.dtype);
    const { offset, strides } = view(stridesOf(x.shape), x.shape, attrs);
    copyStrided(gpu, out.shape, asGpu(x.dataId, 'copy'), offset, strides, y, 0, stridesOf(out.shape));
    return y;
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

/** Constant padding: fill with the value, then copy x into the interior window. */
export const pad: Kernel<Attrs<'pad'>> = ({ backend, inputs: [x], attrs: { pads, value }, out }) => {
  const gpu = gpuOf(backend);
  const y = gpu.alloc('pad', out.size, out.dtype);
  fill(gpu, y, constantBits(value, out.dtype));
  const os = stridesOf(out.shape);
  const offset = os.reduce((acc, s, k) => acc + pads[k][0] * s, 0);
  copyStrided(gpu, x.shape, asGpu(x.dataId, 'pad'), 0, stridesOf(x.shape), y, offset, os);
  return y;
};

/** Joins the inputs along `axis`: one copy per input into its window. */
export const concat: Kernel<Attrs<'concat'>> = ({ backend, inputs, attrs, out }) => {
  const gpu = gpuOf(backend);
  const y = gpu.alloc('concat', out.size, out.dtype);
  const rank = out.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const os = stridesOf(out.shape);
  let at = 0;
  for (const x of inputs) {
    copyStrided(gpu, x.shape, asGpu(x.dataId, 'concat'), 0, stridesOf(x.shape), y, at * os[axis], os);
    at += x.shape[axis];
  }
  return y;
};

/** WGSL that decodes flat index `i` into coordinates `c[0..rank)` of the shape at `shapeAt`. */
function coords(rank: number, shapeAt: number): string {
  if (rank === 0) return '';
  const lines = [`  var c: array<u32, ${rank}>;`, '  var rem = i;'];
  for (let d = rank - 1; d > 0; d--) lines.push(`  c[${d}] = rem % ${pu(shapeAt + d)}; rem = rem / ${pu(shapeAt + d)};`);
  lines.push('  c[0] = rem;');
  return lines.join('\n');
}

/**
 * torch.gather: out[p] = x[p with p[axis] = index[p]]. An index outside the axis reads 0
 * (the GPU cannot throw; the CPU backend raises an IndexError).
 */
export const gather: Kernel<Attrs<'gather'>> = ({ backend, inputs: [x, index], attrs, out }) => {
  const gpu = gpuOf(backend);
  const y = gpu.alloc('gather', out.size, out.dtype);
  if (out.size === 0) return y;
  const rank = x.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const xs = stridesOf(x.shape);
  const p = new ParamList();
  p.ints(out.size);
  const shapeAt = p.ints(...index.shape);
  const strideAt = p.ints(...xs.map((s, k) => (k === axis ? 0 : s)));
  const axisAt = p.ints(xs[axis], x.shape[axis]);
  const code = () =>
    [
      bindings({ name: 'y', type: 'u32' }, [{ name: 'x', type: 'u32' }, { name: 'ix', type: 'i32' }]),
      perElementMain(`${stridedOffsets(rank, shapeAt, [strideAt])}
  let v = ix[i];
  if (v < 0 || v >= i32(${pu(axisAt + 1)})) { y[i] = 0u; continue; }
  y[i] = x[u32(o0 + v * bitcast<i32>(${pu(axisAt)}))];`),
    ].join('\n');
  gpu.dispatch(
    { key: `gather:r${rank}`, code, inputs: 2 },
    y,
    [asGpu(x.dataId, 'gather'), asGpu(index.dataId, 'gather')],
    p.words,
    gpu.groupsFor(out.size, ELEMENT_WG),
  );
  return y;
};

/**
 * torch.scatter_add, out of place, without atomics: each output element walks the index
 * entries that share its other coordinates, in order, and adds the matching sources, so
 * the sums are deterministic and equal to the CPU's sequential order.
 */
export const scatterAdd: Kernel<Attrs<'scatterAdd'>> = ({ backend, inputs: [x, index, src], attrs, out }) => {
  const gpu = gpuOf(backend);
  const y = gpu.alloc('scatterAdd', out.size, out.dtype);
  if (out.size === 0) return y;
  const rank = x.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const is = stridesOf(index.shape);
  const t = wgslType(x.dtype);
  const p = new ParamList();
  p.ints(out.size);
  const shapeAt = p.ints(...x.shape);
  const idxShapeAt = p.ints(...index.shape);
  const idxStrideAt = p.ints(...is);
  const checks = Array.from({ length: rank }, (_, d) => d)
    .filter((d) => d !== axis)
    .map((d) => `c[${d}] >= ${pu(idxShapeAt + d)}`);
  const base = Array.from({ length: rank }, (_, d) => d)
    .filter((d) => d !== axis)
    .map((d) => `c[${d}] * ${pu(idxStrideAt + d)}`);
  const code = () =>
    [
      bindings({ name: 'y', type: t }, [{ name: 'x', type: t }, { name: 'ix', type: 'i32' }, { name: 'src', type: t }]),
      perElementMain(`${coords(rank, shapeAt)}
  var acc = x[i];
  ${checks.length ? `if (${checks.join(' || ')}) { y[i] = acc; continue; }` : ''}
  let j0 = ${base.length ? base.join(' + ') : '0u'};
  let want = i32(c[${axis}]);
  for (var k = 0u; k < ${pu(idxShapeAt + axis)}; k++) {
    let j = j0 + k * ${pu(idxStrideAt + axis)};
    if (ix[j] == want) { acc = acc + src[j]; }
  }
  y[i] = acc;`),
    ].join('\n');
  const ins = [asGpu(x.dataId, 'scatterAdd'), asGpu(index.dataId, 'scatterAdd'), asGpu(src.dataId, 'scatterAdd')];
  gpu.dispatch({ key: `scatterAdd:${t}:r${rank}:a${axis}`, code, inputs: 3 }, y, ins, p.words, gpu.groupsFor(out.size, ELEMENT_WG));
  return y;
};
