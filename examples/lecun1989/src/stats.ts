/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** The element-wise mean and standard deviation of equally long curves. */
export function meanCurve(curves: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const len = curves[0]?.length ?? 0;
  const cols = Array.from({ length: len }, (_, e) => meanStd(curves.map((c) => c[e])));
  return { mean: cols.map((c) => c.mean), std: cols.map((c) => c.std) };
}
