import { keep, noGrad, type Parameter, scalar, type Tensor, tidy, where } from '@tessera/core';
import { ConfigError } from './errors.js';

function withGrads(params: Iterable<Parameter>): Parameter[] {
  return [...params].filter((p) => p.grad !== null);
}

function replaceGrad(p: Parameter, g: Tensor): void {
  keep(g);
  const old = p.grad;
  p.grad = g;
  if (old && old !== g) old.dispose();
}

/**
 * Rescales the gradients of `params` together so that their total `normType`-norm
 * ‖g‖ = (Σ‖gᵢ‖ₚᵖ)^(1/p) (max |g| for Infinity) is at most `maxNorm`: if ‖g‖ > maxNorm then
 * every g ← g·maxNorm/‖g‖. Parameters without a gradient are ignored.
 *
 * Returns the pre-clip total norm as a 0-d tensor (the caller owns it: `await
 * n.item()` then `n.dispose()`, or use `clipGradNormValue`). Nothing is read back, so it
 * works the same on asynchronous (GPU) backends.
 */
export function clipGradNorm(params: Iterable<Parameter>, maxNorm: number, normType = 2): Tensor {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0))
    throw new ConfigError(`clipGradNorm: maxNorm must be a number ≥ 0 (got ${String(maxNorm)}).`);
  if (typeof normType !== 'number' || !(normType > 0))
    throw new ConfigError(`clipGradNorm: normType must be > 0 or Infinity (got ${String(normType)}).`);
  const ps = withGrads(params);
  if (ps.length === 0) return scalar(0);
  const dtype = ps[0].grad!.dtype;
  return noGrad(() =>
    tidy(() => {
      let total: Tensor;
      if (normType === Infinity) {
        total = ps.map((p) => p.grad!.abs().max().cast(dtype)).reduce((a, b) => a.maximum(b));
      } else {
        const parts = ps.map((p) => {
          const a = p.grad!.abs();
          return (normType === 2 ? a.square() : normType === 1 ? a : a.pow(normType)).sum().cast(dtype);
        });
        const s = parts.reduce((a, b) => a.add(b));
        total = normType === 2 ? s.sqrt() : normType === 1 ? s : s.pow(1 / normType);
      }
      const coef = where(total.greater(maxNorm), total.reciprocal().mul(maxNorm), 1);
      for (const p of ps) {
        const g = p.grad!;
        replaceGrad(p, g.mul(coef.cast(g.dtype)));
      }
      return total;
    }),
  );
}

/** `clipGradNorm` that reads the pre-clip total norm back as a number. */
export async function clipGradNormValue(params: Iterable<Parameter>, maxNorm: number, normType = 2): Promise<number> {
  const n = clipGradNorm(params, maxNorm, normType);
  try {
    return await n.item();
  } finally {
    n.dispose();
  }
}

/** Clips every gradient element to [−clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Parameter>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0))
    throw new ConfigError(`clipGradValue: clipValue must be a number ≥ 0 (got ${String(clipValue)}).`);
  const ps = withGrads(params);
  noGrad(() =>
    tidy(() => {
      for (const p of ps) replaceGrad(p, p.grad!.clip(-clipValue, clipValue));
    }),
  );
}
