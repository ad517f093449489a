/** Scalar special functions of the expression IR's reference semantics, accurate to a few ulp in float64. */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π
const SQRT1_2 = Math.SQRT1_2;

/** Below this |x|, erf uses its power series; above, erfc's continued fraction. */
const SERIES_LIMIT = 2.5;

/**
 * erf for |x| < 2.5 from the series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)),
 * whose terms are all positive (no cancellation).
 */
function erfSeries(x: number): number {
  // x ≥ 0 here; callers apply the sign.
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc for x ≥ 2.5 from the continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom up.
 */
function erfcFraction(x: number): number {
  let t = x;
  for (let n = 60; n >= 1; n--) t = x + n / 2 / t;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / t;
}

/** The error function, to ~1e-16 absolute error in float64. */
export function erf(x: number): number {
  if (x !== x) return x;
  const a = Math.abs(x);
  if (a < SERIES_LIMIT) return x === 0 ? x : x > 0 ? erfSeries(a) : -erfSeries(a);
  if (a >= 6) return x > 0 ? 1 : -1;
  const r = 1 - erfcFraction(a);
  return x > 0 ? r : -r;
}

/** The complementary error function 1 − erf(x), without cancellation for large x. */
export function erfc(x: number): number {
  if (x !== x) return x;
  if (x >= SERIES_LIMIT) return x > 27 ? 0 : erfcFraction(x);
  if (x <= -SERIES_LIMIT) return x < -6 ? 2 : 2 - erfcFraction(-x);
  return x >= 0 ? 1 - erfSeries(x) : 1 + erfSeries(-x);
}

/** Exact GELU: x·Φ(x) = ½·x·erfc(−x/√2) (no tanh approximation). */
export function gelu(x: number): number {
  return 0.5 * x * erfc(-x * SQRT1_2);
}

/** Numerically stable logistic sigmoid. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Numerically stable softplus: max(x, 0) + log1p(e^(−|x|)). */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Rounds half to even (banker's rounding), like NumPy and PyTorch. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds half toward +∞
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Floored modulo (result has the sign of the divisor), like Python and torch.remainder. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
