/**
 * WGSL helper functions that generated kernels (the expression compiler, reductions, rows)
 * refer to by name. A shader includes only those
 * its expression mentions (`helpersFor`), with their dependencies.
 */
const HELPERS: Readonly<Record<string, { readonly deps: readonly string[]; readonly code: string }>> = {
  // Bit patterns go through a `var` so they are not constant-evaluated (WGSL rejects
  // NaN and ∞ in constant expressions).
  t_nan: { deps: [], code: 'fn t_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }' },
  t_inf: { deps: [], code: 'fn t_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }' },
  t_ninf: { deps: [], code: 'fn t_ninf() -> f32 { var b = 0xff800000u; return bitcast<f32>(b); }' },
  // NaN by its bit pattern: float comparisons need not be IEEE (on SwiftShader NaN != NaN
  // is false), so NaN handling never relies on them.
  t_isnan: { deps: [], code: 'fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }' },
  // exp and log with IEEE special values (SwiftShader gives exp(NaN) = ∞, log(NaN) and
  // log(0) finite).
  t_exp: { deps: ['t_isnan'], code: 'fn t_exp(x: f32) -> f32 { return select(exp(x), x, t_isnan(x)); }' },
  t_log: {
    deps: ['t_isnan', 't_nan', 't_ninf'],
    code: `fn t_log(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  if (x == 0.0) { return t_ninf(); }
  if (x < 0.0) { return t_nan(); }
  return log(x);
}`,
  },
  // exp(x) − 1 without cancellation near 0 (Kahan's trick).
  t_expm1: {
    deps: ['t_isnan'],
    code: `fn t_expm1(x: f32) -> f32 {
  if (t_isnan(x)) { return x; }
  if (abs(x) > 0.5) { return exp(x) - 1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  return (u - 1.0) * x / log(u);
}`,
  },
  t_log1p: {
    deps: ['t_log'],
    code: `fn t_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (!(abs(x) <= 0.5)) { return t_log(u); }
  return log(u) * x / (u - 1.0);
}`,
  },
  // tanh from expm1: no overflow for large |x|, no cancellation near 0.
  t_tanh: {
    deps: ['t_expm1'],
    code: `fn t_tanh(x: f32) -> f32 {
  let e = t_expm1(-2.0 * abs(x));
  let r = -e / (2.0 + e);
  return select(r, -r, x < 0.0);
}`,
  },
  // erfc for x ≥ 0 (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
  t_erfc_pos: {
    deps: [],
    code: `fn t_erfc_pos(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return p * exp(-x * x);
}`,
  },
  // erf: its Taylor series (11 terms, Horner in x²) below |x| = 1, where 1 − erfc would
  // lose the relative accuracy of small values; 1 − erfc(|x|) above.
  t_erf: {
    deps: ['t_erfc_pos'],
    code: `fn t_erf(x: f32) -> f32 {
  if (abs(x) < 1.0) {
    let z = x * x;
    let p = 1.48071928e-08 * z - 1.63658447e-07;
    let q = ((((p * z + 1.64621144e-06) * z - 1.49256504e-05) * z + 0.00012055333) * z - 0.000854832702) * z + 0.00522397763;
    return x * ((((q * z - 0.0268661706) * z + 0.112837917) * z - 0.376126389) * z + 1.12837917);
  }
  let r = 1.0 - t_erfc_pos(abs(x));
  return select(r, -r, x < 0.0);
}`,
  },
  // NaN-propagating max/min (WGSL's max/min leave NaN unspecified).
  t_fmax: { deps: ['t_isnan'], code: 'fn t_fmax(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } if (t_isnan(b)) { return b; } return max(a, b); }' },
  t_fmin: { deps: ['t_isnan'], code: 'fn t_fmin(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } if (t_isnan(b)) { return b; } return min(a, b); }' },
  // pow with NumPy's rules for negative bases (integer exponents) and pow(x, 0) = 1.
  t_pow: {
    deps: ['t_nan', 't_isnan'],
    code: `fn t_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (t_isnan(a) || t_isnan(b)) { return t_nan(); }
  let r = pow(abs(a), b);
  if (a >= 0.0) { return r; }
  if (b == trunc(b)) { return select(r, -r, fract(abs(b) * 0.5) != 0.0); }
  return t_nan();
}`,
  },
  // Floored modulo (sign of the divisor).
  t_fmod: {
    deps: [],
    code: `fn t_fmod(a: f32, b: f32) -> f32 {
  let r = a - b * trunc(a / b);
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}`,
  },
  // Floored integer division; x / 0 is 0.
  t_idiv: {
    deps: [],
    code: `fn t_idiv(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0)));
}`,
  },
  t_imod: {
    deps: [],
    code: `fn t_imod(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}`,
  },
  // float → int32 like JS's `|0` (core's reference cast): truncate, then wrap modulo 2³²;
  // NaN and ±∞ give 0 (WGSL's i32() would saturate instead). |x| ≥ 2³¹ are integers in f32,
  // and x − 2³²·⌊x/2³²⌋ is exact for them.
  t_f2i: {
    deps: ['t_isnan'],
    code: `fn t_f2i(x: f32) -> i32 {
  if (abs(x) < 2147483648.0) { return i32(x); }
  if (t_isnan(x) || abs(x) > 3.4028234663852886e38) { return 0; }
  return bitcast<i32>(u32(x - 4294967296.0 * floor(x / 4294967296.0)));
}`,
  },
};

/** The helper functions (with dependencies, each once) that a piece of WGSL calls. */
export function helpersFor(code: string): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const d of HELPERS[name].deps) visit(d);
    out.push(HELPERS[name].code);
  };
  for (const name of Object.keys(HELPERS)) if (new RegExp(`\\b${name}\\(`).test(code)) visit(name);
  return out.join('\n');
}
