import { beforeAll, describe, expect, it } from 'vitest';
import {
  attentionLayout,
  getBackend,
  init,
  kernelsFor,
  runOp,
  scaledDotProductAttentionDef,
  tensor,
  use,
  type AttentionAttrs,
  type DType,
  type Kernel,
  type Tensor,
} from '@tessera/core';
import { cpu } from '../src/index.js';
import { cpuKernels } from '../src/kernels/index.js';
import type { CpuStorage } from '../src/kernels/storage.js';
import { seq } from './helpers.js';

beforeAll(async () => {
  use(cpu());
  await init({ backends: ['cpu'] });
});

/** One attention geometry: shapes of q, k, v (and the mask), its kind, causal. */
interface Geometry {
  readonly label: string;
  readonly q: number[];
  readonly k: number[];
  readonly v: number[];
  readonly mask?: { readonly shape: number[]; readonly kind: 'bool' | 'additive' };
  readonly causal?: boolean;
}

// Sizes past one block (64 queries, 128 keys) and not multiples of it; L ≠ S both ways.
const GEOMETRIES: Geometry[] = [
  { label: 'no mask, L 70 < S 150, Ev ≠ E', q: [2, 3, 70, 16], k: [2, 3, 150, 16], v: [2, 3, 150, 24] },
  { label: 'causal, L 200 < S 300 (several key blocks per query block)', q: [1, 1, 200, 4], k: [1, 1, 300, 4], v: [1, 1, 300, 3], causal: true },
  { label: 'causal, L 150 > S 70', q: [1, 2, 150, 8], k: [1, 2, 70, 8], v: [1, 2, 70, 8], causal: true },
  { label: 'key padding bool mask [2, 1, 1, 131]', q: [2, 2, 9, 8], k: [2, 2, 131, 8], v: [2, 2, 131, 5], mask: { shape: [2, 1, 1, 131], kind: 'bool' } },
  { label: 'bool mask [67, 130] + causal', q: [2, 67, 4], k: [2, 130, 4], v: [2, 130, 4], mask: { shape: [67, 130], kind: 'bool' }, causal: true },
  { label: 'additive mask [3, 1, 66, 129]', q: [3, 2, 66, 6], k: [3, 2, 129, 6], v: [3, 2, 129, 6], mask: { shape: [3, 1, 66, 129], kind: 'additive' } },
  { label: 'broadcast batch: q [2, 3, 5, 8], k [3, 7, 8], v [1, 3, 7, 4]', q: [2, 3, 5, 8], k: [3, 7, 8], v: [1, 3, 7, 4] },
  { label: 'one matrix [1, 3] · [1, 3]', q: [1, 3], k: [1, 3], v: [1, 2] },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Inputs of a geometry: q, k, v, and a mask whose first key column always attends (no all-masked row). */
function inputs(g: Geometry, dtype: DType): { xs: Tensor[]; attrs: AttentionAttrs } {
  const f = (shape: number[], seed: number) => tensor(seq(size(shape), seed).map((x) => 2 * x), { shape, dtype });
  const xs = [f(g.q, 1), f(g.k, 2), f(g.v, 3)];
  if (g.mask?.kind === 'bool') {
    const cols = g.mask.shape[g.mask.shape.length - 1]!;
    xs.push(tensor(seq(size(g.mask.shape), 4).map((x, i) => i % cols === 0 || x > -0.4), { shape: g.mask.shape, dtype: 'bool' }));
  } else if (g.mask) xs.push(f(g.mask.shape, 5));
  const attrs: AttentionAttrs = { scale: 1 / Math.sqrt(g.q.at(-1)!), causal: g.causal ?? false, mask: g.mask?.kind ?? 'none' };
  return { xs, attrs };
}

/** The output of the TypeScript kernel table's fused kernel (the wasm one runs through the backend). */
function tsKernel(xs: Tensor[], attrs: AttentionAttrs): Float32Array | Float64Array {
  const { shape, dtype } = scaledDotProductAttentionDef.infer(xs, attrs);
  const kernel = cpuKernels.scaledDotProductAttention as Kernel<AttentionAttrs>;
  const id = kernel({
    backend: getBackend('cpu'), attrs,
    inputs: xs.map((t) => ({ dataId: t.storage.dataId, shape: t.shape, dtype: t.dtype, size: t.size })),
    out: { shape, dtype, size: size(shape) },
  });
  return (id as CpuStorage).values as Float32Array | Float64Array;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * (1 + Math.abs(want[i]))) expect.fail(`${what}: element ${i} is ${got[i]}, the composite gives ${want[i]}`);
  }
}

describe('cpu fused scaledDotProductAttention', () => {
  it('is registered, so the op no longer runs its composite', () => {
    expect(kernelsFor('scaledDotProductAttention')).toContain('cpu');
    expect('scaledDotProductAttention' in cpuKernels).toBe(true);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 3e-6 : 1e-13;
    for (const g of GEOMETRIES) {
      it(`${dtype} ${g.label}: backend kernel${dtype === 'float32' ? ' (wasm)' : ''} and TypeScript kernel match the composite`, () => {
        const { xs, attrs } = inputs(g, dtype);
        const want = scaledDotProductAttentionDef.decompose!(xs, attrs).dataSync();
        expectClose(runOp(scaledDotProductAttentionDef, xs, attrs).dataSync(), want, tol, 'backend kernel');
        expectClose(tsKernel(xs, attrs), want, tol, 'TypeScript kernel');
      });
    }
  }

  it('gives NaN for a query whose keys are all masked, as the composite and PyTorch do', () => {
    const { xs, attrs } = inputs({ label: '', q: [1, 3, 4], k: [1, 5, 4], v: [1, 5, 2], mask: { shape: [3, 5], kind: 'bool' } }, 'float32');
    const mask = tensor([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1].map(Boolean), { shape: [3, 5], dtype: 'bool' });
    const y = runOp(scaledDotProductAttentionDef, [xs[0], xs[1], xs[2], mask], attrs).dataSync();
    const ref = scaledDotProductAttentionDef.decompose!([xs[0], xs[1], xs[2], mask], attrs).dataSync();
    expect(Number.isNaN(y[2]) && Number.isNaN(y[3])).toBe(true);
    expect(Number.isNaN(ref[2])).toBe(true);
    expectClose([y[0], y[1], y[4], y[5]], [ref[0], ref[1], ref[4], ref[5]], 3e-6, 'unmasked rows');
  });

  it('walks broadcast batch axes by the layout core describes', () => {
    const lay = attentionLayout([2, 8, 128, 64], [2, 8, 128, 64], [2, 8, 128, 64], [2, 1, 1, 128]);
    expect(lay.batchShape).toEqual([2, 8]);
    expect(lay.strides.mask).toEqual([128, 0]);
    expect([lay.maskRow, lay.maskCol]).toEqual([0, 1]);
    // Without a mask the two head axes merge into one.
    expect(attentionLayout([2, 8, 5, 4], [2, 8, 6, 4], [2, 8, 6, 3]).batchShape).toEqual([16]);
  });
});
