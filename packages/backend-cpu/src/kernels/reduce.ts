import type { Kernel, ReduceAttrs, ReduceOpName, TypedArray } from '@tessera/core';
import { scratch } from './scratch.js';
import { alloc, valuesOf, wrap } from './storage.js';

/** A fold: `init` is the result of reducing nothing, `step` adds one element. */
interface Fold {
  readonly init: number;
  readonly step: (acc: number, v: number) => number;
}

/** "v beats best": strict, so the first of equal extremes wins; a first NaN wins too. */
type Better = (v: number, best: number) => boolean;

const FOLDS = {
  sum: { init: 0, step: (acc, v) => acc + v },
  prod: { init: 1, step: (acc, v) => acc * v },
  // Once acc is NaN nothing is greater, so NaN propagates.
  max: { init: -Infinity, step: (acc, v) => (v > acc || v !== v ? v : acc) },
  min: { init: Infinity, step: (acc, v) => (v < acc || v !== v ? v : acc) },
} as const satisfies Record<string, Fold>;

/** int32 products wrap like C (doubles would lose the low bits first). */
const INT_PROD: Fold = { init: 1, step: (acc, v) => Math.imul(acc, v) };

const BETTER = {
  argmax: (v, best) => v > best || (v !== v && best === best),
  argmin: (v, best) => v < best || (v !== v && best === best),
} as const satisfies Record<string, Better>;

/** A reused double accumulator row. */
const accRow = (n: number): Float64Array => scratch('reduce', n);

/**
 * Folds x viewed as [outer, reduce, inner] over its middle axis, accumulating in doubles.
 * The inner loop runs over `inner` contiguous elements so memory is read in order.
 */
function foldReduce(fold: Fold, x: TypedArray, y: TypedArray, attrs: ReduceAttrs): void {
  if (fold === FOLDS.sum && attrs.inner === 1) {
    sumRows(x, y, attrs);
    return;
  }
  const { outer, reduce, inner } = attrs;
  const { init, step } = fold;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = init;
      const base = o * reduce;
      for (let r = 0; r < reduce; r++) acc = step(acc, x[base + r]);
      y[o] = acc;
    }
    return;
  }
  const acc = accRow(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init, 0, inner);
    for (let r = 0; r < reduce; r++) {
      const base = (o * reduce + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] = step(acc[i], x[base + i]);
    }
    const yo = o * inner;
    for (let i = 0; i < inner; i++) y[yo + i] = acc[i];
  }
}

/**
 * Sums of contiguous rows (the gradient of every broadcast bias lands here), in doubles
 * like `foldReduce`, but without the per-element call of `step`: that call site sees
 * every fold, so V8 cannot inline it, and it costs ~10× the addition.
 */
function sumRows(x: TypedArray, y: TypedArray, { outer, reduce }: ReduceAttrs): void {
  for (let o = 0; o < outer; o++) {
    let acc = 0;
    const end = (o + 1) * reduce;
    for (let i = o * reduce; i < end; i++) acc += x[i];
    y[o] = acc;
  }
}

/** Index of the first extreme along the middle axis (0 when reduce is 0). */
function argReduce(better: Better, x: TypedArray, y: TypedArray, { outer, reduce, inner }: ReduceAttrs): void {
  const best = accRow(inner);
  for (let o = 0; o < outer; o++) {
    const yo = o * inner;
    const base0 = o * reduce * inner;
    for (let i = 0; i < inner; i++) {
      best[i] = reduce > 0 ? x[base0 + i] : 0;
      y[yo + i] = 0;
    }
    for (let r = 1; r < reduce; r++) {
      const base = base0 + r * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i];
        if (better(v, best[i])) {
          best[i] = v;
          y[yo + i] = r;
        }
      }
    }
  }
}

/** Builds the kernel of one reduction. Sums of int32/bool produce `out.dtype`. */
export function reduceKernel(name: ReduceOpName): Kernel<ReduceAttrs> {
  return ({ inputs: [x], attrs, out }) => {
    const y = alloc(out.dtype, out.size);
    const xs = valuesOf(x);
    if (name === 'argmax' || name === 'argmin') argReduce(BETTER[name], xs, y, attrs);
    else foldReduce(name === 'prod' && x.dtype === 'int32' ? INT_PROD : FOLDS[name], xs, y, attrs);
    return wrap(y);
  };
}
