import type { BackendImpl } from '../backend.js';
import { type DType, type TypedArray, dtypeOfArray, toTypedArray } from '../dtype.js';
import { BackendError, ShapeError, fmtShape } from '../errors.js';
import { fromValues, shareHandle } from '../engine.js';
import { getBackend } from '../registry.js';
import { track } from '../scope.js';
import { Tensor, isForeignTensor } from '../tensor.js';
import { secondCopyNote } from '../version.js';

/** Nested arrays of numbers or booleans accepted by `tensor()`. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** Anything an op accepts where a tensor is expected: numbers become scalars. */
export type TensorLike = Tensor | number | boolean | TypedArray | readonly NestedInput[];

/** Where to create a tensor and with what dtype. */
export interface CreateOptions {
  readonly dtype?: DType;
  /** Backend name; default: the default backend. */
  readonly backend?: string;
  /** Make the new tensor a leaf that requires grad. */
  readonly requiresGrad?: boolean;
}

/** @internal resolves a backend name */
export function backendOf(opts: CreateOptions | undefined): BackendImpl | undefined {
  return opts?.backend ? getBackend(opts.backend) : undefined;
}

function inferShape(v: NestedInput, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedInput = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as readonly NestedInput[])[0];
  }
  if (shape.length === 0 && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ShapeError(`${op}: cannot make a tensor from ${String(v)}.`);
  }
  return shape;
}

function flatten(v: NestedInput, shape: readonly number[], out: (number | boolean)[], depth: number, op: string): void {
  if (depth === shape.length) {
    if (Array.isArray(v)) throw new ShapeError(`${op}: ragged nested array (expected a number at depth ${depth}).`);
    out.push(v as number | boolean);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    throw new ShapeError(
      `${op}: ragged nested array: expected ${shape[depth]} elements at depth ${depth} (shape ${fmtShape(shape)}).`,
    );
  }
  for (const x of v as readonly NestedInput[]) flatten(x, shape, out, depth + 1, op);
}

/**
 * Creates a tensor from nested arrays, a typed array (with `shape`) or a number.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);          // float32 [2, 2]
 * const i = tensor([0, 2, 1], { dtype: 'int32' });
 */
export function tensor(values: TensorLike, opts?: CreateOptions & { shape?: readonly number[] }): Tensor {
  if (values instanceof Tensor) return values;
  if (isForeignTensor(values)) {
    throw new BackendError(
      `tensor: this input is a Tensor created by another copy of @tessera/core, which this copy cannot use.${secondCopyNote()}`,
    );
  }
  let arr: TypedArray;
  let shape: readonly number[];
  let dtype: DType;
  if (ArrayBuffer.isView(values)) {
    const typed = values as TypedArray;
    dtype = opts?.dtype ?? dtypeOfArray(typed);
    arr = dtype === dtypeOfArray(typed) ? typed.slice() : toTypedArray(typed, dtype);
    shape = opts?.shape ?? [typed.length];
  } else {
    const nested = values as NestedInput;
    shape = inferShape(nested, 'tensor');
    const flat: (number | boolean)[] = [];
    flatten(nested, shape, flat, 0, 'tensor');
    dtype = opts?.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
    arr = toTypedArray(flat, dtype);
    if (opts?.shape) shape = opts.shape;
  }
  let n = 1;
  for (const d of shape) n *= d;
  if (n !== arr.length) {
    throw new ShapeError(`tensor: ${arr.length} values do not fill shape ${fmtShape(shape)} (${n} elements).`);
  }
  const t = fromValues(arr, shape, dtype, backendOf(opts));
  if (opts?.requiresGrad) t.requiresGrad_();
  return t;
}

/** @internal a tensor from values already in a typed array (taken, not copied) */
export function fromArray(values: TypedArray, shape: readonly number[], dtype: DType, backend?: BackendImpl): Tensor {
  return fromValues(values, shape, dtype, backend);
}

/** @internal converts an op argument to a tensor, matching `like`'s dtype and backend */
export function toTensor(v: TensorLike, like?: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  const backend = like?.storage.backend;
  if (typeof v === 'number' || typeof v === 'boolean') {
    const dtype: DType = like?.dtype ?? (typeof v === 'boolean' ? 'bool' : 'float32');
    return fromValues(toTypedArray([v], dtype), [], dtype, backend);
  }
  return tensor(v, { dtype: like?.dtype, backend: backend?.name });
}

/** @internal a second handle to a value (autograd's `share`; detach makes a new leaf) */
export function share(t: Tensor, opts: { detach?: boolean } = {}): Tensor {
  const h = shareHandle(t, { detach: opts.detach });
  // Handles made for user code are tracked like any new tensor.
  track(h);
  return h;
}
