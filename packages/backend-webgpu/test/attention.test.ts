import * as T from '@tessera/core';
import type { AttentionAttrs, Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { useBackends, values, worstError } from './helpers.js';

/** One attention geometry: shapes of q, k, v (and the mask), its kind, causal. */
interface Geometry {
  readonly label: string;
  readonly q: number[];
  readonly k: number[];
  readonly v: number[];
  readonly mask?: { readonly shape: number[]; readonly kind: 'bool' | 'additive' };
  readonly causal?: boolean;
}

// Small (SwiftShader is a software GPU) but past one workgroup's 64 queries and one key
// tile, not multiples of either; L ≠ S both ways; a row size whose tile does not fit
// workgroup memory (k and v read from global memory).
const GEOMETRIES: Geometry[] = [
  { label: 'no mask, L 70 < S 90, Ev ≠ E', q: [2, 2, 70, 16], k: [2, 2, 90, 16], v: [2, 2, 90, 24] },
  { label: 'causal, L 100 < S 150', q: [1, 1, 100, 4], k: [1, 1, 150, 4], v: [1, 1, 150, 3], causal: true },
  { label: 'causal, L 80 > S 30', q: [1, 2, 80, 8], k: [1, 2, 30, 8], v: [1, 2, 30, 8], causal: true },
  { label: 'key padding bool mask [2, 1, 1, 71]', q: [2, 2, 9, 8], k: [2, 2, 71, 8], v: [2, 2, 71, 5], mask: { shape: [2, 1, 1, 71], kind: 'bool' } },
  { label: 'bool mask [67, 40] + causal', q: [2, 67, 4], k: [2, 40, 4], v: [2, 40, 4], mask: { shape: [67, 40], kind: 'bool' }, causal: true },
  { label: 'additive mask [3, 1, 66, 29]', q: [3, 2, 66, 6], k: [3, 2, 29, 6], v: [3, 2, 29, 6], mask: { shape: [3, 1, 66, 29], kind: 'additive' } },
  { label: 'broadcast batch: q [2, 3, 5, 8], k [3, 7, 8], v [1, 3, 7, 4]', q: [2, 3, 5, 8], k: [3, 7, 8], v: [1, 3, 7, 4] },
  { label: 'rows too long for a workgroup tile (E 1100, Ev 1000)', q: [1, 3, 1100], k: [1, 5, 1100], v: [1, 5, 1000] },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** q, k, v and the mask of a geometry on `backend` (a bool mask's first key always attends). */
function inputs(g: Geometry, backend: string): { xs: Tensor[]; attrs: AttentionAttrs } {
  const f = (shape: number[], seed: number) => T.tensor(values(size(shape), seed).map((x) => 2 * x), { shape, backend });
  const xs = [f(g.q, 1), f(g.k, 2), f(g.v, 3)];
  if (g.mask?.kind === 'bool') {
    const cols = g.mask.shape.at(-1)!;
    xs.push(T.tensor(Array.from(values(size(g.mask.shape), 4), (x, i) => i % cols === 0 || x > -0.4), { shape: g.mask.shape, dtype: 'bool', backend }));
  } else if (g.mask) xs.push(f(g.mask.shape, 5));
  return { xs, attrs: { scale: 1 / Math.sqrt(g.q.at(-1)!), causal: g.causal ?? false, mask: g.mask?.kind ?? 'none' } };
}

async function read(fn: () => Tensor): Promise<Float32Array> {
  const y = T.tidy(fn);
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('webgpu fused scaledDotProductAttention', () => {
  useBackends(testPlugin());

  for (const g of GEOMETRIES) {
    it(`${g.label}: one dispatch that matches the composite on webgpu and on the cpu`, async () => {
      const d0 = T.getBackend('webgpu').info?.().dispatches as number;
      const fused = await read(() => {
        const { xs, attrs } = inputs(g, 'webgpu');
        const d1 = T.getBackend('webgpu').info?.().dispatches as number;
        const y = T.runOp(T.scaledDotProductAttentionDef, xs, attrs);
        expect((T.getBackend('webgpu').info?.().dispatches as number) - d1).toBe(1);
        return y;
      });
      expect(T.getBackend('webgpu').info?.().dispatches).toBeGreaterThan(d0);
      const composite = await read(() => {
        const { xs, attrs } = inputs(g, 'webgpu');
        return T.scaledDotProductAttentionDef.decompose!(xs, attrs);
      });
      const cpu = await read(() => {
        const { xs, attrs } = inputs(g, 'cpu');
        return T.scaledDotProductAttentionDef.decompose!(xs, attrs);
      });
      expect(worstError(fused, composite, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstError(fused, cpu, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  it('gives NaN for a query whose keys are all masked, as the composite does', async () => {
    const y = await read(() => {
      const { xs, attrs } = inputs({ label: '', q: [3, 4], k: [5, 4], v: [5, 2] }, 'webgpu');
      const mask = T.tensor([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1].map(Boolean), { shape: [3, 5], dtype: 'bool', backend: 'webgpu' });
      return T.runOp(T.scaledDotProductAttentionDef, [...xs, mask], { ...attrs, mask: 'bool' });
    });
    expect([Number.isNaN(y[0]), Number.isNaN(y[2]), Number.isNaN(y[3]), Number.isNaN(y[4])]).toEqual([false, true, true, false]);
  });

  /** dq, dk, dv (concatenated) of Σ w ⊙ attention on `backend`, fused (through the logsumexp op) or the composite. */
  async function gradsOf(g: Geometry, backend: string, fused: boolean): Promise<Float32Array> {
    const { xs, attrs } = inputs(g, backend);
    const [q, k, v] = xs;
    const mask = xs[3];
    const run = (a: Tensor, b: Tensor, c: Tensor) =>
      fused
        ? T.scaledDotProductAttention(a, b, c, { mask, causal: attrs.causal, scale: attrs.scale })
        : T.scaledDotProductAttentionDef.decompose!(mask ? [a, b, c, mask] : [a, b, c], attrs);
    const flat = T.tidy(() => {
      const y = run(q, k, v);
      const w = T.tensor(values(y.size, 7), { shape: y.shape, backend });
      return T.concat(T.grad((a: Tensor, b: Tensor, c: Tensor) => T.sum(T.mul(run(a, b, c), w)))(q, k, v).map((t) => t.reshape([-1])));
    });
    try {
      return (await flat.data()) as Float32Array;
    } finally {
      flat.dispose();
      for (const t of xs) t.dispose();
    }
  }

  for (const g of GEOMETRIES) {
    it(`${g.label}: the fused backward (two dispatches) matches the composite's gradients on webgpu and on the cpu`, async () => {
      const additiveInput = g.mask?.kind === 'additive'; // a constant here (no gradient asked of it): the fused path runs
      const d0 = T.getBackend('webgpu').info?.().dispatches as number;
      const fused = await gradsOf(g, 'webgpu', true);
      expect(T.getBackend('webgpu').info?.().dispatches, `${additiveInput}`).toBeGreaterThan(d0);
      const composite = await gradsOf(g, 'webgpu', false);
      const cpu = await gradsOf(g, 'cpu', false);
      expect(worstError(fused, composite, 1e-3, 1e-5)).toBeLessThanOrEqual(1);
      expect(worstError(fused, cpu, 1e-3, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  it('runs the gradient as the logsumexp forward and the two-pass backward, nothing [L, S]-sized', () => {
    const names: string[] = [];
    T.tidy(() =>
      T.recordOps((c) => names.push(c.def.name), () => {
        const { xs } = inputs(GEOMETRIES[0], 'webgpu');
        T.grad((q: Tensor) => T.sum(T.scaledDotProductAttention(q, xs[1], xs[2])))(xs[0]);
      }),
    );
    expect(names).toContain('scaledDotProductAttentionLse');
    expect(names).toContain('scaledDotProductAttentionBackward');
    expect(names).not.toContain('softmax');
  });
});
