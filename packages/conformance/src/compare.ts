import type { DType } from '@tessera/core';

/** An elementwise closeness test: |got − want| ≤ atol + rtol·|want|. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/**
 * Named tolerance presets. Cases name a preset, never bare numbers, so a backend can see
 * (and, with a reason, loosen) exactly one class of comparison.
 */
export const TOLERANCE_PRESETS = {
  /** int32 and bool outputs, data movement, counter-based `uniform`: bit for bit. */
  exact: { rtol: 0, atol: 0 },
  /** float32 arithmetic that rounds once per element (add, mul, relu, movement of floats). */
  float32: { rtol: 1e-4, atol: 1e-5 },
  /** float32 transcendentals (exp, log, tanh, erf, gelu, pow, …): GPUs use approximations. */
  transcendental: { rtol: 1e-3, atol: 1e-4 },
  /** float32 accumulations (reductions, matmul, conv, pooling, softmax): order may differ. */
  accumulate: { rtol: 1e-3, atol: 1e-4 },
  /** float32 gradients on the target vs float32 gradients on the CPU. */
  gradient: { rtol: 2e-3, atol: 2e-4 },
  /** Random op chains (errors compound over 4–8 ops). */
  chain: { rtol: 2e-3, atol: 2e-4 },
  /** float64 analytic gradients vs central finite differences (eps 1e-6) on the CPU. */
  finiteDifference: { rtol: 1e-6, atol: 1e-6 },
} as const satisfies Record<string, Tolerance>;

/** Name of a tolerance preset. */
export type TolerancePreset = keyof typeof TOLERANCE_PRESETS;

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(8));

/**
 * Compares `got` with `want` elementwise. NaN must meet NaN, ±∞ must meet the same ∞.
 * Returns null when close, otherwise a message listing the worst elements.
 */
export function compareArrays(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
  shape: readonly number[],
): string | null {
  if (got.length !== want.length) return `length ${got.length} ≠ expected ${want.length}`;
  const bad: { i: number; g: number; w: number; err: number }[] = [];
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]);
    const w = Number(want[i]);
    let ok: boolean;
    let err = 0;
    if (Number.isNaN(w) || Number.isNaN(g)) ok = Number.isNaN(w) && Number.isNaN(g);
    else if (!Number.isFinite(w) || !Number.isFinite(g)) ok = g === w;
    else {
      err = Math.abs(g - w);
      ok = err <= tol.atol + tol.rtol * Math.abs(w);
      worst = Math.max(worst, err);
    }
    if (!ok) bad.push({ i, g, w, err: Number.isFinite(err) ? err : Infinity });
  }
  if (bad.length === 0) return null;
  bad.sort((a, b) => b.err - a.err);
  const idx = (i: number) => {
    const out: number[] = [];
    let rest = i;
    for (let k = shape.length - 1; k >= 0; k--) {
      out.unshift(rest % shape[k]);
      rest = Math.floor(rest / shape[k]);
    }
    return `[${out.join(', ')}]`;
  };
  const lines = bad.slice(0, 5).map((b) => `  at ${idx(b.i)}: got ${fmt(b.g)}, expected ${fmt(b.w)} (|err| ${b.err.toExponential(2)})`);
  return (
    `${bad.length} of ${want.length} elements differ beyond rtol ${tol.rtol}, atol ${tol.atol} ` +
    `(max |err| ${worst.toExponential(2)}):\n${lines.join('\n')}`
  );
}

/** int32 and bool results are always compared exactly. */
export function toleranceFor(dtype: DType, preset: Tolerance): Tolerance {
  return dtype === 'int32' || dtype === 'bool' ? TOLERANCE_PRESETS.exact : preset;
}
