import type { DType, TypedArray } from './dtype.js';

/** What `formatTensor` appends after the values. */
export interface FormatExtras {
  readonly gradFn: string | null;
  readonly requiresGrad: boolean;
  readonly backend: string;
}

const SUMMARIZE_OVER = 1000;
const EDGE = 3;

/** How every element of one tensor is printed (shared width, like PyTorch). */
function elementFormatter(values: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  let allInt = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (minAbs !== Infinity && maxAbs / minAbs > 1000 && !allInt);
  if (allInt && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  if (sci) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

/** PyTorch-style text of a tensor: `tensor([[1., 2.],\n        [3., 4.]])`. */
export function formatTensor(values: TypedArray, shape: readonly number[], dtype: DType, extras: FormatExtras): string {
  const summarize = values.length > SUMMARIZE_OVER;
  const fmt = elementFormatter(values, dtype);
  const texts = new Map<number, string>();
  let width = 0;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  // Indices along each axis that are printed (first and last EDGE when summarizing).
  const shown = (n: number): (number | null)[] =>
    summarize && n > 2 * EDGE
      ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
      : Array.from({ length: n }, (_, i) => i);
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      const s = fmt(values[offset]);
      texts.set(offset, s);
      width = Math.max(width, s.length);
      return;
    }
    for (const i of shown(shape[axis])) if (i !== null) collect(axis + 1, offset + i * strides[axis]);
  };
  collect(0, 0);
  const indent = 'tensor('.length;
  const render = (axis: number, offset: number): string => {
    if (axis === shape.length) return texts.get(offset)!.padStart(width);
    const parts = shown(shape[axis]).map((i) => (i === null ? '...' : render(axis + 1, offset + i * strides[axis])));
    if (axis === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - axis - 1) + ' '.repeat(indent + axis + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? fmt(values[0]) : values.length === 0 ? '[]' : render(0, 0);
  const tags: string[] = [];
  if (values.length === 0 && shape.length > 1) tags.push(`size=(${shape.join(', ')})`);
  if (dtype !== 'float32' && !(dtype === 'int32' && values.length > 0) && dtype !== 'bool') tags.push(`dtype=${dtype}`);
  if (dtype === 'int32' && values.length === 0) tags.push('dtype=int32');
  if (extras.backend !== 'cpu') tags.push(`backend='${extras.backend}'`);
  if (extras.gradFn) tags.push(`gradFn=<${extras.gradFn}>`);
  else if (extras.requiresGrad) tags.push('requiresGrad=true');
  return `tensor(${body}${tags.map((t) => `, ${t}`).join('')})`;
}
