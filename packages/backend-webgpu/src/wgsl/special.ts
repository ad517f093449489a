/**
 * WGSL helper functions the scalar tables refer to by name. A shader includes only those
 * its expression mentions (`helpersFor`), with their dependencies.
 */
const HELPERS: Readonly<Record<string, { readonly deps: readonly string[]; readonly code: string }>> = {
  // Bit patterns go through a `var` so they are not constant-evaluated (WGSL rejects
  // NaN and ∞ in constant expressions).
  t_nan: { deps: [], code: 'fn t_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }' },
  t_inf: { deps: [], code: 'fn t_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }' },
  t_ninf: { deps: [], code: 'fn t_ninf() -> f32 { var b = 0xff800000u; return bitcast<f32>(b); }' },
  // exp(x) − 1 without cancellation near 0 (Kahan's trick).
  t_expm1: {
    deps: [],
    code: `fn t_expm1(x: f32) -> f32 {
  if (abs(x) > 0.5) { return exp(x) - 1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  return (u - 1.0) * x / log(u);
}`,
  },
  t_log1p: {
    deps: [],
    code: `fn t_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (abs(x) > 0.5) { return log(u); }
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
  t_sigmoid: {
    deps: [],
    code: `fn t_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`,
  },
  t_softplus: { deps: ['t_log1p'], code: 'fn t_softplus(x: f32) -> f32 { return max(x, 0.0) + t_log1p(exp(-abs(x))); }' },
  // erfc for x ≥ 0 (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
  t_erfc_pos: {
    deps: [],
    code: `fn t_erfc_pos(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * x);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return p * exp(-x * x);
}`,
  },
  t_erf: {
    deps: ['t_erfc_pos'],
    code: `fn t_erf(x: f32) -> f32 {
  let r = 1.0 - t_erfc_pos(abs(x));
  return select(r, -r, x < 0.0);
}`,
  },
  // Exact GELU x·Φ(x), Φ from erfc so the negative tail keeps its relative accuracy.
  t_gelu: {
    deps: ['t_erfc_pos'],
    code: `fn t_gelu(x: f32) -> f32 {
  let z = x * 0.7071067811865476;
  let c = t_erfc_pos(abs(z));
  return x * select(1.0 - 0.5 * c, 0.5 * c, z < 0.0);
}`,
  },
  // NaN-propagating max/min (WGSL's max/min leave NaN unspecified).
  t_fmax: { deps: [], code: 'fn t_fmax(a: f32, b: f32) -> f32 { if (a != a || b != b) { return a + b; } return max(a, b); }' },
  t_fmin: { deps: [], code: 'fn t_fmin(a: f32, b: f32) -> f32 { if (a != a || b != b) { return a + b; } return min(a, b); }' },
  // pow with NumPy's rules for negative bases (integer exponents) and pow(x, 0) = 1.
  t_pow: {
    deps: ['t_nan'],
    code: `fn t_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  let r = pow(abs(a), b);
  if (a >= 0.0 || a != a) { return r; }
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
  // Integer power by squaring (wraps like int32); negative exponents truncate toward 0.
  t_ipow: {
    deps: [],
    code: `fn t_ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, select(-1, 1, (b & 1) == 0), a == -1), 1, a == 1); }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) != 0) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
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
