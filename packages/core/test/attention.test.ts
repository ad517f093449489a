import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  ShapeError,
  compile,
  gradients,
  manualSeed,
  memory,
  noGrad,
  attentionWeights,
  matmul,
  registeredOps,
  scaledDotProductAttention,
  scaledDotProductAttentionDef,
  tensor,
  tidy,
  type Tensor,
} from '@tessera/core';
import { expectFiniteDifferences } from './grad-check.js';
import { useCpu } from './setup.js';

useCpu();

interface Arr { shape: number[]; data: (number | boolean | null)[]; dtype?: 'bool' | 'float64' }
interface Case { name: string; causal: boolean; scale: number | null; q: Arr; k: Arr; v: Arr; mask?: Arr; out: Arr }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/attention.json', import.meta.url), 'utf8')) as { cases: Case[] };

const toTensor = (a: Arr, dtype: 'float32' | 'float64' = 'float64'): Tensor =>
  a.dtype === 'bool'
    ? tensor(a.data.map((x) => (x ? 1 : 0)), { shape: a.shape, dtype: 'bool' })
    : tensor(a.data.map((x) => (x === null ? NaN : Number(x))), { shape: a.shape, dtype });

function run(c: Case, dtype: 'float32' | 'float64' = 'float64', extra: { q?: Tensor; k?: Tensor; v?: Tensor; mask?: Tensor } = {}): Tensor {
  const mask = extra.mask ?? (c.mask && toTensor(c.mask, dtype));
  return scaledDotProductAttention(extra.q ?? toTensor(c.q, dtype), extra.k ?? toTensor(c.k, dtype), extra.v ?? toTensor(c.v, dtype), {
    mask, causal: c.causal, scale: c.scale ?? undefined,
  });
}

/** max |a − b| over entries, NaN only where the expected value is NaN. */
function maxAbsError(actual: ArrayLike<number>, expected: Arr): number {
  expect(actual.length).toBe(expected.data.length);
  let worst = 0;
  expected.data.forEach((e, i) => {
    if (e === null) expect(actual[i], `entry ${i} is NaN in PyTorch`).toBeNaN();
    else worst = Math.max(worst, Math.abs(actual[i] - Number(e)));
  });
  return worst;
}

const byName = (name: string): Case => fixture.cases.find((c) => c.name === name)!;

describe('scaledDotProductAttention against PyTorch 1.13', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: float64 within 1e-12, float32 within 1e-5`, () => {
      const y = run(c);
      expect(y.shape).toEqual(c.out.shape);
      expect(maxAbsError(y.dataSync(), c.out)).toBeLessThan(1e-12);
      expect(maxAbsError(run(c, 'float32').dataSync(), c.out)).toBeLessThan(1e-5);
    });
  }

  it('a fully masked row (bool mask) is NaN like PyTorch, the other rows are finite', () => {
    const c = byName('bool mask with a fully masked row');
    const y = run(c).dataSync(); // [2, 3, 3], row 1 of each batch masked
    for (let i = 0; i < y.length; i++) expect(Number.isNaN(y[i])).toBe(Math.floor(i / 3) % 3 === 1);
  });

  it('a bool mask equals the additive mask with −∞ where it is false, and causal equals its tril mask', () => {
    const c = byName('plain');
    const keep = [true, false, true, true, false, true, true, true, false, true, false, true, true, true, true];
    const boolMask = tensor(keep.map(Number), { shape: [3, 5], dtype: 'bool' });
    const additive = tensor(keep.map((k) => (k ? 0 : -Infinity)), { shape: [3, 5], dtype: 'float64' });
    expect(Array.from(run(c, 'float64', { mask: boolMask }).dataSync())).toEqual(Array.from(run(c, 'float64', { mask: additive }).dataSync()));
    const tril = tensor([1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0], { shape: [3, 5], dtype: 'bool' });
    expect(Array.from(run({ ...c, causal: true }).dataSync())).toEqual(Array.from(run(c, 'float64', { mask: tril }).dataSync()));
  });
});

describe('scaledDotProductAttention gradients', () => {
  const inputs = (c: Case) => [toTensor(c.q).requiresGrad_(), toTensor(c.k).requiresGrad_(), toTensor(c.v).requiresGrad_()] as const;
  const r = (c: Case) => toTensor({ shape: c.out.shape, data: c.out.data.map((_, i) => Math.sin(i + 1)) });

  for (const name of ['broadcast heads', 'causal L < S with a key padding mask', 'additive mask']) {
    it(`${name}: dq, dk, dv (and the additive mask) match finite differences in float64`, () => {
      const c = byName(name);
      const [q, k, v] = inputs(c);
      const mask = c.mask && (c.mask.dtype === 'bool' ? toTensor(c.mask) : toTensor(c.mask).requiresGrad_());
      const proj = r(c);
      const wrt = mask?.requiresGrad ? [q, k, v, mask] : [q, k, v];
      expectFiniteDifferences(() => run(c, 'float64', { q, k, v, mask }).mul(proj).sum(), wrt);
    });
  }

  it('second order: the gradient of Σ(dq²) matches finite differences (gradient through the decomposition)', () => {
    const c = byName('plain');
    const [q, k, v] = inputs(c);
    const proj = r(c);
    const f = () => {
      const [dq] = gradients(run(c, 'float64', { q, k, v }).mul(proj).sum(), [q], undefined, { createGraph: true, retainGraph: true });
      return dq.square().sum();
    };
    const [d2q] = gradients(f(), [q]);
    expect(Math.max(...Array.from(d2q.dataSync(), Math.abs))).toBeGreaterThan(1e-3); // a real second derivative, not zeros
    expectFiniteDifferences(f, [q, k, v], { atol: 1e-6, rtol: 1e-4 });
  });

  it("the op's own gradient (used when a backend fuses the forward) equals the decomposition's", () => {
    const c = byName('additive mask');
    const [q, k, v] = inputs(c);
    const mask = toTensor(c.mask!).requiresGrad_();
    const y = run(c, 'float64', { q, k, v, mask });
    const dy = r(c);
    const viaDecomposition = gradients(y.mul(dy).sum(), [q, k, v, mask]);
    const attrs = { scale: 0.5, causal: false, mask: 'additive' as const };
    const out = noGrad(() => scaledDotProductAttention(q, k, v, { mask, scale: 0.5 }));
    const own = noGrad(() => scaledDotProductAttentionDef.grad!(dy, { inputs: [q, k, v, mask], output: out, attrs, needsGrad: [true, true, true, true] })) as Tensor[];
    expect(own.map((g) => g.shape)).toEqual([q.shape, k.shape, v.shape, mask.shape]);
    own.forEach((g, i) => {
      const a = g.dataSync();
      const b = viaDecomposition[i].dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j]), `input ${i}, element ${j}`).toBeLessThan(1e-12);
    });
    const partial = noGrad(() => scaledDotProductAttentionDef.grad!(dy, { inputs: [q, k, v, mask], output: out, attrs, needsGrad: [false, true, false, false] }));
    expect(partial.map((g) => g === null)).toEqual([true, false, true, true]);
  });
});

describe('scaledDotProductAttention options, dropout and errors', () => {
  const c = byName('plain');

  it('is a registered composite op and leaves no tensors behind', () => {
    expect(registeredOps()).toContain('scaledDotProductAttention');
    const before = memory().numTensors;
    tidy(() => void run(byName('causal L < S with a key padding mask')).sum());
    expect(memory().numTensors).toBe(before);
  });

  it('dropout: seeded, inverted (kept weights scaled by 1/(1 − p)), and replayed identically by a compiled step', () => {
    const [q, k, v] = [toTensor(c.q), toTensor(c.k), toTensor(c.v)];
    manualSeed(7);
    const a = scaledDotProductAttention(q, k, v, { dropout: 0.5 }).dataSync();
    manualSeed(7);
    const b = scaledDotProductAttention(q, k, v, { dropout: 0.5 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(run(c).dataSync()));
    // p = 1 − tiny keeps almost nothing: the output collapses to zero.
    const one = scaledDotProductAttention(q, k, v, { dropout: 1 - 1e-12 }).dataSync();
    expect(Array.from(one).every((x) => x === 0)).toBe(true);
    const step = compile((x: Tensor) => scaledDotProductAttention(x, k, v, { dropout: 0.5 }));
    manualSeed(3);
    const eager = [0, 1, 2].map(() => Array.from(scaledDotProductAttention(q, k, v, { dropout: 0.5 }).dataSync()));
    manualSeed(3);
    const compiled = [0, 1, 2].map(() => Array.from(tidy(() => step(q)).dataSync()));
    expect(compiled).toEqual(eager);
    expect(step.stats.replays).toBeGreaterThan(0);
  });

  it('dropout scales the kept weights by 1/(1 − p): with v = identity the output is the dropped weights', () => {
    const q = toTensor(c.q);
    const k = toTensor(c.k);
    const eye = tensor([...Array(2 * 25)].map((_, i) => (Math.floor((i % 25) / 5) === i % 5 ? 1 : 0)), { shape: [2, 5, 5], dtype: 'float64' });
    const w = run(c, 'float64', { q, k, v: eye }).dataSync();
    manualSeed(11);
    const d = scaledDotProductAttention(q, k, eye, { dropout: 0.25 }).dataSync();
    let kept = 0;
    for (let i = 0; i < w.length; i++) {
      if (d[i] !== 0) {
        kept++;
        expect(Math.abs(d[i] - w[i] / 0.75)).toBeLessThan(1e-12);
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(w.length);
  });

  it('attentionWeights: rows sum to 1, masked keys get 0, and weights·v is the output', () => {
    const c2 = byName('causal L < S with a key padding mask');
    const [q, k, v, mask] = [toTensor(c2.q), toTensor(c2.k), toTensor(c2.v), toTensor(c2.mask!)];
    const w = attentionWeights(q, k, v, { mask, causal: true });
    expect(w.shape).toEqual([2, 3, 5]);
    const wv = w.dataSync();
    for (let row = 0; row < 6; row++) expect(Math.abs(Array.from(wv.slice(row * 5, row * 5 + 5)).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    expect(wv[1]).toBe(0); // causal: query 0 does not see key 1
    expect(wv[15 + 2 * 5 + 3]).toBe(0); // batch 1 pads keys 3 and 4
    expect(maxAbsError(matmul(w, v).dataSync(), c2.out)).toBeLessThan(1e-12);
    expect(() => attentionWeights(q, k, toTensor(byName('causal square').v))).toThrow(/same sequence length S/);
  });

  it('rejects bad shapes, dtypes and options with errors naming the op, the shapes and the fix', () => {
    const [q, k, v] = [toTensor(c.q), toTensor(c.k), toTensor(c.v)]; // [2,3,4], [2,5,4], [2,5,3]
    const att = (o: Parameters<typeof scaledDotProductAttention>[3] = {}, qq = q, kk = k, vv = v) => () => scaledDotProductAttention(qq, kk, vv, o);
    expect(att({}, q, toTensor({ shape: [2, 5, 3], data: Array(30).fill(0) }))).toThrow(/q and k must share the last axis E.*q \[2, 3, 4\], k \[2, 5, 3\]/);
    expect(att({}, q, k, toTensor({ shape: [2, 4, 3], data: Array(24).fill(0) }))).toThrow(ShapeError);
    expect(att({}, q, k, toTensor({ shape: [2, 4, 3], data: Array(24).fill(0) }))).toThrow(/same sequence length S/);
    expect(att({}, toTensor({ shape: [4], data: [1, 2, 3, 4] }))).toThrow(/at least 2 axes/);
    expect(att({}, toTensor({ shape: [3, 3, 4], data: Array(36).fill(0) }))).toThrow(ShapeError);
    expect(att({}, q, toTensor(c.k, 'float32'))).toThrow(DTypeError);
    expect(att({}, q, toTensor(c.k, 'float32'))).toThrow(/k is float32 but q is float64/);
    expect(att({ mask: tensor([1, 0], { shape: [1, 2], dtype: 'bool' }) })).toThrow(/mask \[1, 2\] must broadcast to the attention scores \[\.\.\., L, S\] = \[2, 3, 5\]/);
    expect(att({ mask: tensor([0, 1, 0, 1, 0], { shape: [5], dtype: 'int32' }) })).toThrow(DTypeError);
    expect(att({ mask: tensor([0, 1, 0, 1, 0], { shape: [5], dtype: 'float32' }) })).toThrow(/additive mask of q's dtype float64/);
    expect(att({ dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(att({ dropout: 0.5, mask: tensor([1, 0], { shape: [1, 2], dtype: 'bool' }) })).toThrow(ShapeError);
    expect(att({ scale: NaN })).toThrow(/scale must be a finite number/);
  });
});
