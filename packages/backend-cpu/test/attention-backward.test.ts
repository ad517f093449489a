import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '@tessera/core';
import type { AttentionAttrs, DType, Tensor } from '@tessera/core';
import { cpu } from '../src/index.js';
import { cpuKernels } from '../src/kernels/index.js';
import { seq } from './helpers.js';

beforeAll(async () => {
  T.use(cpu());
  await T.init({ backends: ['cpu'] });
});

/** One geometry: q, k, v shapes, an optional mask (bool, or additive as a constant), causal. */
interface Geometry {
  readonly label: string;
  readonly q: number[];
  readonly k: number[];
  readonly v: number[];
  readonly mask?: { readonly shape: number[]; readonly kind: 'bool' | 'additive' };
  readonly causal?: boolean;
}

// Past one block (the forward's 64 queries × 128 keys, the backward's 256 × 128) and not
// multiples of it, L ≠ S both ways, broadcast batches.
const GEOMETRIES: Geometry[] = [
  { label: 'no mask, L 70 < S 150, Ev ≠ E', q: [2, 70, 8], k: [2, 150, 8], v: [2, 150, 5] },
  { label: 'causal, L 200 > S 140', q: [1, 200, 4], k: [1, 140, 4], v: [1, 140, 3], causal: true },
  { label: 'causal, L 300 > S 290 (several backward blocks both ways)', q: [300, 3], k: [290, 3], v: [290, 2], causal: true },
  { label: 'L 520, S 9 (three backward query blocks)', q: [520, 4], k: [9, 4], v: [9, 4] },
  { label: 'causal, L 66 < S 260', q: [66, 4], k: [260, 4], v: [260, 4], causal: true },
  { label: 'bool mask [67, 130] + causal', q: [2, 67, 4], k: [2, 130, 4], v: [2, 130, 4], mask: { shape: [67, 130], kind: 'bool' }, causal: true },
  { label: 'key padding [2, 1, 1, 131]', q: [2, 2, 9, 8], k: [2, 2, 131, 8], v: [2, 2, 131, 5], mask: { shape: [2, 1, 1, 131], kind: 'bool' } },
  { label: 'constant additive mask [3, 1, 66, 29]', q: [3, 2, 66, 6], k: [3, 2, 29, 6], v: [3, 2, 29, 6], mask: { shape: [3, 1, 66, 29], kind: 'additive' } },
  { label: 'broadcast batch: q [2, 3, 5, 8], k [3, 7, 8], v [1, 3, 7, 4]', q: [2, 3, 5, 8], k: [3, 7, 8], v: [1, 3, 7, 4] },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function operands(g: Geometry, dtype: DType): { q: Tensor; k: Tensor; v: Tensor; mask?: Tensor; w: Tensor; attrs: AttentionAttrs } {
  const f = (shape: number[], seed: number, k = 2) => T.tensor(seq(size(shape), seed).map((x) => k * x), { shape, dtype });
  const [q, k, v] = [f(g.q, 1), f(g.k, 2), f(g.v, 3)];
  let mask: Tensor | undefined;
  if (g.mask?.kind === 'bool') {
    const cols = g.mask.shape.at(-1)!;
    mask = T.tensor(seq(size(g.mask.shape), 4).map((x, i) => i % cols === 0 || x > -0.4), { shape: g.mask.shape, dtype: 'bool' });
  } else if (g.mask) mask = f(g.mask.shape, 5);
  const outShape = T.scaledDotProductAttentionDef.infer(mask ? [q, k, v, mask] : [q, k, v], { scale: 1, causal: false, mask: g.mask?.kind ?? 'none' }).shape;
  const attrs: AttentionAttrs = { scale: 1 / Math.sqrt(g.q.at(-1)!), causal: g.causal ?? false, mask: g.mask?.kind ?? 'none' };
  return { q, k, v, mask, w: f(outShape, 6, 1), attrs };
}

/** dq, dk, dv of Σ w ⊙ attention(q, k, v) through `run`. */
function grads(run: (q: Tensor, k: Tensor, v: Tensor) => Tensor, o: ReturnType<typeof operands>): Float64Array[] {
  return T.tidy(() => {
    const gs = T.grad((q: Tensor, k: Tensor, v: Tensor) => T.sum(T.mul(run(q, k, v), o.w)))(o.q, o.k, o.v);
    return gs.map((g) => Float64Array.from(g.dataSync()));
  });
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) expect.fail(`${what}: element ${i} is ${got[i]}, want ${want[i]}`);
  }
}

/** The names of the ops `fn` calls at its own level (core's op recorder; a composite's parts are not listed). */
function opsRun(fn: () => void): string[] {
  const names: string[] = [];
  T.tidy(() => T.recordOps((c) => names.push(c.def.name), fn));
  return names;
}

describe('cpu fused attention backward', () => {
  it('is registered for the forward-with-logsumexp and the backward ops', () => {
    expect(T.kernelsFor('scaledDotProductAttentionLse')).toContain('cpu');
    expect(T.kernelsFor('scaledDotProductAttentionBackward')).toContain('cpu');
    expect('scaledDotProductAttentionBackward' in cpuKernels).toBe(true);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 2e-5 : 1e-12;
    for (const g of GEOMETRIES) {
      it(`${dtype} ${g.label}: dq, dk, dv match the composite's`, () => {
        const o = operands(g, dtype);
        const opts = { mask: o.mask, causal: o.attrs.causal, scale: o.attrs.scale };
        const fused = grads((q, k, v) => T.scaledDotProductAttention(q, k, v, opts), o);
        const composite = grads((q, k, v) => T.scaledDotProductAttentionDef.decompose!(o.mask ? [q, k, v, o.mask] : [q, k, v], o.attrs), o);
        fused.forEach((x, i) => expectClose(x, composite[i], tol, `${'qkv'[i]} gradient`));
      });
    }
  }

  it('runs the forward with logsumexp and the fused backward, nothing [L, S]-sized', () => {
    const o = operands(GEOMETRIES[0], 'float32');
    const names = opsRun(() => {
      grads((q, k, v) => T.scaledDotProductAttention(q, k, v, { scale: o.attrs.scale }), o);
    });
    expect(names).toContain('scaledDotProductAttentionLse');
    expect(names).toContain('scaledDotProductAttentionBackward');
    expect(names).not.toContain('softmax');
    expect(names).not.toContain('matmul');
  });

  it('packs the row logsumexp of the scaled, masked scores in the last column', () => {
    const o = operands(GEOMETRIES.find((g) => g.mask?.kind === 'bool' && g.causal)!, 'float64');
    const ins = [o.q, o.k, o.v, o.mask!];
    const packed = T.runOp(T.scaledDotProductAttentionLseDef, ins, o.attrs).dataSync();
    const want = T.scaledDotProductAttentionLseDef.decompose!(ins, o.attrs).dataSync();
    expectClose(packed, want, 1e-12, 'packed output');
  });

  it('differentiates the logsumexp column too (its gradient reaches dS as P·dlse)', () => {
    const o = operands(GEOMETRIES[1], 'float64');
    const w = T.tensor(seq(200 * 4, 9), { shape: [1, 200, 4], dtype: 'float64' });
    const run = (lse: typeof T.runOp | null) => (q: Tensor, k: Tensor, v: Tensor) =>
      lse ? lse(T.scaledDotProductAttentionLseDef, [q, k, v], o.attrs) : T.scaledDotProductAttentionLseDef.decompose!([q, k, v], o.attrs);
    const g = (f: (q: Tensor, k: Tensor, v: Tensor) => Tensor) =>
      T.tidy(() => T.grad((q: Tensor, k: Tensor, v: Tensor) => T.sum(T.mul(f(q, k, v), w)))(o.q, o.k, o.v).map((t) => Float64Array.from(t.dataSync())));
    const fused = g(run(T.runOp));
    const composite = g(run(null));
    fused.forEach((x, i) => expectClose(x, composite[i], 1e-11, `${'qkv'[i]} gradient`));
  });

  it('matches finite differences in float64', () => {
    const g: Geometry = { label: '', q: [2, 5, 3], k: [2, 7, 3], v: [2, 7, 2], mask: { shape: [5, 7], kind: 'bool' }, causal: true };
    const o = operands(g, 'float64');
    const opts = { mask: o.mask, causal: true, scale: o.attrs.scale };
    const loss = (q: Tensor, k: Tensor, v: Tensor) => T.sum(T.mul(T.scaledDotProductAttention(q, k, v, opts), o.w));
    const analytic = grads((q, k, v) => T.scaledDotProductAttention(q, k, v, opts), o);
    const xs = [o.q, o.k, o.v];
    const h = 1e-6;
    xs.forEach((x, which) => {
      const base = Float64Array.from(x.dataSync());
      for (let i = 0; i < base.length; i++) {
        const at = (d: number) => {
          const moved = base.slice();
          moved[i] += d;
          const args = xs.map((t, j) => (j === which ? T.tensor(moved, { shape: x.shape, dtype: 'float64' }) : t));
          return T.tidy(() => loss(args[0], args[1], args[2]).dataSync()[0]);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(analytic[which][i] - numeric), `${'qkv'[which]}[${i}]`).toBeLessThan(1e-7 * (1 + Math.abs(numeric)));
      }
    });
  });

  it('builds a graph of the gradient from the composite formulas (second derivatives)', () => {
    const o = operands({ label: '', q: [4, 3], k: [6, 3], v: [6, 2] }, 'float64');
    const second = (fused: boolean) =>
      T.tidy(() => {
        const inner = (q: Tensor) =>
          T.sum(T.square(T.grad((qq: Tensor) => {
            const y = fused ? T.scaledDotProductAttention(qq, o.k, o.v) : T.scaledDotProductAttentionDef.decompose!([qq, o.k, o.v], o.attrs);
            return T.sum(T.mul(y, o.w));
          })(q)[0]));
        return Float64Array.from(T.grad(inner)(o.q)[0].dataSync());
      });
    expectClose(second(true), second(false), 1e-10, 'second derivative');
  });
});
