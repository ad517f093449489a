/**
 * Seeded test data. Every input of every case comes from `Rng` seeded by the case id, so
 * a failure reproduces exactly, on any machine, independent of test order.
 */

/** A small seeded generator (mulberry32) with the draws the cases need. */
export class Rng {
  private s: number;
  constructor(seed: number | string) {
    this.s = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** −1 or 1. */
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
  /** One element of a list. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** A random permutation of 0..n−1. */
  perm(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

/** FNV-1a of a string: the seed of a case. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Whether an input is generated as floats or integers (bool inputs use `bool`). */
export type GenKind = 'float' | 'int';

/**
 * Generates `n` values for one input. `prev` holds the values of the inputs before it
 * (so a denominator can be chosen to keep a quotient away from an integer).
 */
export type Gen = (r: Rng, n: number, kind: GenKind, prev: readonly number[][]) => number[];

const each =
  (f: (r: Rng) => number, i: (r: Rng) => number): Gen =>
  (r, n, kind) =>
    Array.from({ length: n }, () => (kind === 'int' ? i(r) : f(r)));

/** Away from the integers and half-integers (floor/ceil/round jump there). */
const fractional = (r: Rng) => r.int(-3, 3) + (r.next() < 0.5 ? r.uniform(0.1, 0.4) : r.uniform(0.6, 0.9));

/**
 * Named generators. Each keeps values away from the points where the op it is used with
 * is not differentiable (or is discontinuous), so finite differences are meaningful.
 */
export const GENS = {
  /** N(0, 1) clipped to ±2.5; ints in [−5, 5). */
  normal: each((r) => Math.max(-2.5, Math.min(2.5, r.normal())), (r) => r.int(-5, 5)),
  /** |x| in [0.25, 2]: away from 0 (abs, relu, sign, division). */
  awayZero: each((r) => r.sign() * r.uniform(0.25, 2), (r) => r.sign() * r.int(1, 5)),
  /** [0.3, 2]: log, sqrt, pow bases. */
  positive: each((r) => r.uniform(0.3, 2), (r) => r.int(1, 6)),
  /** (−0.9, 0.9). */
  unit: each((r) => r.uniform(-0.9, 0.9), (r) => r.int(-1, 2)),
  /** Integer-valued floats in [−3, 3] (comparisons see ties). */
  small: each((r) => r.int(-3, 4), (r) => r.int(-3, 4)),
  /** Away from integers and half-integers. */
  fractional: each(fractional, (r) => r.int(-5, 5)),
  /** Odd multiples of 0.2 (+ jitter): never within 0.15 of `latticeB`. */
  latticeA: each((r) => (2 * r.int(-5, 5) + 1) * 0.2 + r.uniform(-0.02, 0.02), (r) => r.int(-3, 4)),
  /** Even multiples of 0.2 (+ jitter). */
  latticeB: each((r) => 2 * r.int(-5, 5) * 0.2 + r.uniform(-0.02, 0.02), (r) => r.int(-3, 4)),
  /** Distinct values spread over [−2, 2] (no ties: max, min, max pooling, argmax). */
  distinct: ((r, n, kind) => {
    const p = r.perm(n);
    if (kind === 'int') return p.map((k) => k - Math.floor(n / 2));
    const step = 4 / Math.max(n, 1);
    return p.map((k) => -2 + (k + 0.5) * step + r.uniform(-0.2, 0.2) * step);
  }) as Gen,
  /** Distinct magnitudes in [0.2, 2] with random signs (norm ∞). */
  distinctAbs: ((r, n, kind) => {
    const p = r.perm(n);
    if (kind === 'int') return p.map((k) => r.sign() * (k + 1));
    const step = 1.8 / Math.max(n, 1);
    return p.map((k) => r.sign() * (0.2 + (k + 0.5) * step + r.uniform(-0.2, 0.2) * step));
  }) as Gen,
  /** A divisor for the input before it (same size) such that a/b is ≥ 0.2 from an integer. */
  modDivisor: ((r, n, kind, prev) => {
    const a = prev[prev.length - 1];
    return Array.from({ length: n }, (_, i) => {
      if (kind === 'int') return r.sign() * r.int(1, 5);
      if (!a || a.length !== n) return r.sign() * r.uniform(0.5, 2);
      const q = r.int(-2, 3) + r.uniform(0.2, 0.8);
      return a[i] / q;
    });
  }) as Gen,
  /** Uniform 0/1 (bool inputs). */
  bool: ((r, n) => Array.from({ length: n }, () => (r.next() < 0.5 ? 1 : 0))) as Gen,
} satisfies Record<string, Gen>;

/** Name of a built-in generator. */
export type GenName = keyof typeof GENS;

/** Index values in [0, hi) (gather, scatterAdd, indexSelect, oneHot). */
export function indexGen(hi: number): Gen {
  return (r, n) => Array.from({ length: n }, () => r.int(0, hi));
}

/** Values outside the open intervals (c − d, c + d) around the given points, from `base`. */
export function avoiding(base: Gen, points: readonly number[], d = 0.1): Gen {
  return (r, n, kind, prev) => {
    const out = base(r, n, kind, prev);
    if (kind === 'int') return out;
    return out.map((v) => {
      let x = v;
      for (let tries = 0; tries < 100 && points.some((c) => Math.abs(x - c) < d); tries++) x = base(r, 1, kind, prev)[0];
      return x;
    });
  };
}
