/**
 * Deterministic inputs and weights shared by every library: generated once here as plain
 * Float32Arrays (canonical layouts: NCHW activations, OIHW conv filters, [in, out] dense
 * weights), then converted per library where its layout differs (tfjs: NHWC / HWIO).
 */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n normal samples times `std` (Box–Muller). */
export function randn(n: number, std: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** n uniform samples in [0, 1). */
export function uniform(n: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}

/** n integer labels in [0, classes). */
export function labels(n: number, classes: number, next: () => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * classes);
  return out;
}

/** A named array with its shape (canonical layout). */
export interface Named {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** He-initialised weight (std √(2/fanIn)) and a small random bias (non-zero on purpose: a
 * bias layout bug would show in the cross-library check). */
function layer(name: string, wShape: number[], fanIn: number, next: () => number): [Named, Named] {
  const out = wShape.length === 4 ? wShape[0] : wShape[1];
  return [
    { name: `${name}.w`, shape: wShape, values: randn(size(wShape), Math.sqrt(2 / fanIn), next) },
    { name: `${name}.b`, shape: [out], values: randn(out, 0.1, next) },
  ];
}

/** Learning rate of every training workload (plain SGD). */
export const LR = 0.01;

// ------------------------------------------------------------------------------ matmul

export interface MatmulData {
  readonly n: number;
  /** n×n row-major; with transposeA it holds Aᵀ (C = Aᵀ·B). */
  readonly a: Float32Array;
  /** n×n row-major; with transposeB it holds Bᵀ. */
  readonly b: Float32Array;
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

export function matmulData(n: number, transposeA = false, transposeB = false): MatmulData {
  const next = rng(1000 + n);
  return { n, a: randn(n * n, 1, next), b: randn(n * n, 1, next), transposeA, transposeB };
}

// --------------------------------------------------------------------------------- MLP

const MLP_SIZES = [784, 256, 256, 10] as const;

export interface MlpData {
  readonly batch: number;
  /** fc1.w [784, 256], fc1.b, fc2.w [256, 256], fc2.b, fc3.w [256, 10], fc3.b. */
  readonly params: readonly Named[];
  /** [batch, 784] in [0, 1). */
  readonly x: Float32Array;
  /** [batch] in [0, 10). */
  readonly y: Int32Array;
}

export function mlpData(batch: number): MlpData {
  const next = rng(7);
  const params: Named[] = [];
  for (let i = 0; i < 3; i++) {
    params.push(...layer(`fc${i + 1}`, [MLP_SIZES[i], MLP_SIZES[i + 1]], MLP_SIZES[i], next));
  }
  return { batch, params, x: uniform(batch * 784, next), y: labels(batch, 10, next) };
}

// --------------------------------------------------------------------------------- CNN

export interface CnnData {
  readonly batch: number;
  /** conv1.w [32,1,5,5], conv1.b, conv2.w [64,32,5,5], conv2.b, fc1.w [256,200], fc1.b,
   * fc2.w [200,10], fc2.b — flatten order of fc1's rows is (c, h, w) as in NCHW. */
  readonly params: readonly Named[];
  /** [batch, 1, 28, 28] in [0, 1). */
  readonly x: Float32Array;
  readonly y: Int32Array;
}

export function cnnData(batch: number): CnnData {
  const next = rng(11);
  const params = [
    ...layer('conv1', [32, 1, 5, 5], 1 * 25, next),
    ...layer('conv2', [64, 32, 5, 5], 32 * 25, next),
    ...layer('fc1', [256, 200], 256, next),
    ...layer('fc2', [200, 10], 200, next),
  ];
  return { batch, params, x: uniform(batch * 28 * 28, next), y: labels(batch, 10, next) };
}

/** OIHW → HWIO (tfjs conv2d filter layout). */
export function oihwToHwio(w: Float32Array, [o, i, h, wd]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let c = 0; c < h; c++)
        for (let d = 0; d < wd; d++) out[((c * wd + d) * i + b) * o + a] = w[((a * i + b) * h + c) * wd + d];
  return out;
}

/**
 * Rows of a dense weight that follows a flatten of [C, H, W] (NCHW order) reordered for a
 * flatten of [H, W, C] (NHWC order), so tfjs computes the same function.
 */
export function chwRowsToHwc(w: Float32Array, [c, h, wd]: readonly number[], cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let ci = 0; ci < c; ci++)
    for (let hi = 0; hi < h; hi++)
      for (let wi = 0; wi < wd; wi++) {
        const src = (ci * h + hi) * wd + wi;
        const dst = (hi * wd + wi) * c + ci;
        out.set(w.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
  return out;
}

/** HWIO → OIHW (inverse of oihwToHwio). */
export function hwioToOihw(w: Float32Array, [o, i, h, wd]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let c = 0; c < h; c++)
        for (let d = 0; d < wd; d++) out[((a * i + b) * h + c) * wd + d] = w[((c * wd + d) * i + b) * o + a];
  return out;
}

/** Inverse of chwRowsToHwc. */
export function hwcRowsToChw(w: Float32Array, [c, h, wd]: readonly number[], cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let ci = 0; ci < c; ci++)
    for (let hi = 0; hi < h; hi++)
      for (let wi = 0; wi < wd; wi++) {
        const dst = (ci * h + hi) * wd + wi;
        const src = (hi * wd + wi) * c + ci;
        out.set(w.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
  return out;
}

/** [head..., ...parts] in one Float32Array. */
export function concat(head: readonly number[], parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(head.length + parts.reduce((n, p) => n + p.length, 0));
  out.set(head);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The gradient an SGD step applied: (before − after) / LR. */
export function sgdGradient(before: Float32Array, after: Float32Array): Float32Array {
  const g = new Float32Array(before.length);
  for (let i = 0; i < g.length; i++) g[i] = (before[i] - after[i]) / LR;
  return g;
}
