import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, memory, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerConfigError, init, initialize, param } from '../src/index.js';
import type { Initializer } from '../src/index.js';
import { normalCdf, normalQuantile } from '../src/normal-math.js';
import { expectClose } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(7);
});

const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** Simpson's rule with 4000 panels: an independent reference for Φ and the truncated moments. */
function integrate(f: (x: number) => number, a: number, b: number): number {
  const n = 4000;
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

function values(t: Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('normal-math', () => {
  it('Φ matches numerical integration of the density to 2e-7', () => {
    for (const x of [-6, -3.2, -1, -0.1, 0, 0.5, 1.96, 4]) {
      expect(Math.abs(normalCdf(x) - (0.5 + Math.sign(x) * integrate(phi, 0, Math.abs(x))))).toBeLessThan(2e-7);
    }
    for (const x of [0.3, 2, 7]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
  });

  it('Φ⁻¹ inverts Φ in the centre and in both tails; 0 and 1 map to ∓∞', () => {
    for (const p of [1e-10, 1e-4, 0.02, 0.3, 0.5, 0.9, 0.99, 1 - 1e-6]) {
      const x = normalQuantile(p);
      // Φ(x) − p ≈ φ(x)·(error in x): compare with the accuracy Φ itself has
      expect(Math.abs(normalCdf(x) - p)).toBeLessThan(2e-7 * Math.max(p, 1e-3) + 1e-12);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
});

describe('truncatedNormal', () => {
  function moments(v: number[]): { mean: number; std: number } {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  }

  it('default bounds mean ± 2·std: all samples inside, moments of the truncated law', () => {
    const v = values(init.truncatedNormal(0.5, 0.1)([200, 250], { dtype: 'float64' }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0.3);
    expect(Math.max(...v)).toBeLessThanOrEqual(0.7);
    expect(Math.min(...v)).toBeLessThan(0.301); // reaches the bounds: truncated, not shrunk
    const z = integrate(phi, -2, 2);
    const stdT = Math.sqrt(integrate((x) => x * x * phi(x), -2, 2) / z); // ≈ 0.8796
    const m = moments(v);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.002);
    expect(m.std / (0.1 * stdT)).toBeGreaterThan(0.98);
    expect(m.std / (0.1 * stdT)).toBeLessThan(1.02);
  });

  it('asymmetric absolute bounds [0, 3] for N(1, 2²): the truncated mean and std', () => {
    const v = values(init.truncatedNormal(1, 2, 0, 3)([100, 500], { dtype: 'float64' }));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(3);
    const dens = (x: number): number => phi((x - 1) / 2) / 2;
    const z = integrate(dens, 0, 3);
    const mean = integrate((x) => x * dens(x), 0, 3) / z;
    const std = Math.sqrt(integrate((x) => (x - mean) ** 2 * dens(x), 0, 3) / z);
    const m = moments(v);
    expect(Math.abs(m.mean - mean)).toBeLessThan(0.01);
    expect(Math.abs(m.std / std - 1)).toBeLessThan(0.02);
  });

  it('a one-sided far tail stays inside its bounds', () => {
    const v = values(init.truncatedNormal(0, 1, 3, 10)([1000]));
    expect(Math.min(...v)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...v)).toBeLessThanOrEqual(10);
    expect(v.reduce((a, b) => a + b, 0) / v.length).toBeCloseTo(phi(3) / (1 - normalCdf(3)), 1); // ≈ 3.28
  });

  it('far upper tails keep their shape (mirrored sampling): [9, 12] and [−12, −9]', () => {
    const tail = integrate(phi, 9, 12);
    const want = integrate((x) => x * phi(x), 9, 12) / tail; // ≈ 9.11
    const up = values(init.truncatedNormal(0, 1, 9, 12)([2000], { dtype: 'float64' }));
    const down = values(init.truncatedNormal(0, 1, -12, -9)([2000], { dtype: 'float64' }));
    expect(Math.min(...up)).toBeGreaterThanOrEqual(9);
    expect(Math.max(...down)).toBeLessThanOrEqual(-9);
    expect(up.reduce((a, b) => a + b, 0) / up.length).toBeCloseTo(want, 1);
    expect(down.reduce((a, b) => a + b, 0) / down.length).toBeCloseTo(-want, 1);
    expect(new Set(up).size).toBeGreaterThan(1900);
  });

  it('rejects std ≤ 0 and empty intervals', () => {
    expect(() => init.truncatedNormal(0, 0)).toThrow(LayerConfigError);
    expect(() => init.truncatedNormal(0, 1, 2, 1)).toThrow(/high > low/);
  });
});

describe('orthogonal', () => {
  /** Gram matrix of the rows (rowsGram) or columns of a [r, c] matrix. */
  function gram(v: number[], r: number, c: number, ofRows: boolean): number[] {
    const k = ofRows ? r : c;
    const at = (i: number, j: number): number => v[i * c + j];
    const out: number[] = [];
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        let s = 0;
        if (ofRows) for (let j = 0; j < c; j++) s += at(a, j) * at(b, j);
        else for (let i = 0; i < r; i++) s += at(i, a) * at(i, b);
        out.push(s);
      }
    }
    return out;
  }
  const eye = (k: number, s = 1): number[] => Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? s : 0));

  it('tall [6, 3]: WᵀW = I', () => {
    expectClose(gram(values(init.orthogonal()([6, 3], { dtype: 'float64' })), 6, 3, false), eye(3), 1e-12);
  });

  it('wide [3, 6]: WWᵀ = I; square [5, 5]: both', () => {
    expectClose(gram(values(init.orthogonal()([3, 6], { dtype: 'float64' })), 3, 6, true), eye(3), 1e-12);
    const sq = values(init.orthogonal()([5, 5], { dtype: 'float64' }));
    expectClose(gram(sq, 5, 5, true), eye(5), 1e-12);
    expectClose(gram(sq, 5, 5, false), eye(5), 1e-12);
  });

  it('gain scales: WᵀW = gain²·I; conv weights [4, 2, 2, 2] have orthonormal flattened filters', () => {
    expectClose(gram(values(init.orthogonal(2)([8, 4], { dtype: 'float64' })), 8, 4, false), eye(4, 4), 1e-12);
    expectClose(gram(values(init.orthogonal()([4, 2, 2, 2], { dtype: 'float64' })), 4, 8, true), eye(4), 1e-12);
    expectClose(gram(values(init.orthogonal()([16, 8])), 16, 8, false), eye(8), 1e-6); // float32
  });

  it('is not the identity or a fixed matrix: two draws differ', () => {
    const a = values(init.orthogonal()([4, 4]));
    const b = values(init.orthogonal()([4, 4]));
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(eye(4));
  });

  it('rejects 1-d shapes', () => {
    expect(() => init.orthogonal()([5])).toThrow(/orthogonal: needs a weight with at least 2 axes/);
  });
});

describe('seeding and initialize', () => {
  const ALL: [string, Initializer][] = [
    ['uniform', init.uniform(-1, 1)],
    ['normal', init.normal()],
    ['truncatedNormal', init.truncatedNormal()],
    ['xavierUniform', init.xavierUniform()],
    ['xavierNormal', init.xavierNormal()],
    ['kaimingUniform', init.kaimingUniform()],
    ['kaimingNormal', init.kaimingNormal()],
    ['lecunUniform', init.lecunUniform()],
    ['lecunNormal', init.lecunNormal()],
    ['orthogonal', init.orthogonal()],
  ];

  for (const [name, i] of ALL) {
    it(`${name}: manualSeed(s) gives identical values; another seed or the next draw differs`, () => {
      manualSeed(123);
      const a = values(i([5, 4]));
      const next = values(i([5, 4]));
      manualSeed(123);
      const b = values(i([5, 4]));
      manualSeed(124);
      const c = values(i([5, 4]));
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
      expect(next).not.toEqual(a);
    });
  }

  it('initialize re-initialises a parameter in place, keeping identity, dtype and the tensor count', () => {
    const p = param(tensor(new Array(12).fill(9), { dtype: 'float64', shape: [3, 4] }));
    const before = memory().numTensors;
    expect(initialize(p, init.constant(0.5))).toBe(p);
    expect(Array.from(p.dataSync())).toEqual(new Array(12).fill(0.5));
    initialize(p, init.xavierUniform());
    const bound = Math.sqrt(6 / 7);
    const v = Array.from(p.dataSync());
    expect(v.every((x) => Math.abs(x) <= bound && x !== 0.5)).toBe(true);
    expect(p.dtype).toBe('float64');
    expect(p.requiresGrad).toBe(true);
    expect(memory().numTensors).toBe(before);
    expect(() => initialize(param(tensor([1, 2, 3])), init.kaimingNormal())).toThrow(LayerConfigError);
    p.dispose();
  });
});
