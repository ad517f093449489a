import { type DType, isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, toTensor } from './convert.js';

/** Which dtypes an op accepts. */
export type DTypeClass = 'float' | 'numeric' | 'bool' | 'any';

/** Throws a DTypeError naming the op unless `dtype` is in `cls`. */
export function assertDType(op: string, dtype: DType, cls: DTypeClass): void {
  const ok =
    cls === 'any' ||
    (cls === 'float' && isFloat(dtype)) ||
    (cls === 'numeric' && dtype !== 'bool') ||
    (cls === 'bool' && dtype === 'bool');
  if (!ok) {
    const want = cls === 'float' ? 'a float dtype (float32/float64)' : cls === 'numeric' ? 'a numeric dtype' : 'bool';
    const fix = cls === 'bool' ? "compare first (x.greater(0)) or cast('bool')" : "cast first, e.g. x.cast('float32')";
    throw new DTypeError(`${op}: expects ${want} but got ${dtype}; ${fix}.`);
  }
}

/**
 * Converts op arguments to tensors (numbers take the dtype and backend of the first
 * tensor argument), runs `fn`, and disposes the temporaries it made.
 */
export function withTensors<T>(args: readonly TensorLike[], fn: (ts: Tensor[]) => T): T {
  const like = args.find((a): a is Tensor => typeof a === 'object' && a !== null && 'storage' in a);
  const made: Tensor[] = [];
  const ts = args.map((a) => {
    const t = toTensor(a, like);
    if (t !== a) made.push(t);
    return t;
  });
  try {
    return fn(ts);
  } finally {
    for (const t of made) t.dispose();
  }
}
