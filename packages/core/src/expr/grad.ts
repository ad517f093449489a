import { ex, type Expr } from './ir.js';

/** A derivative: an expression, or null for an exact zero (pruned as it propagates). */
type D = Expr | null;

const add = (a: D, b: D): D => (a === null ? b : b === null ? a : ex.add(a, b));
const sub = (a: D, b: D): D => (b === null ? a : a === null ? ex.neg(b) : ex.sub(a, b));
const scale = (d: D, f: Expr): D => (d === null ? null : ex.mul(d, f));
const orZero = (d: D): Expr => d ?? ex.const(0);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** d(e)/d(input k), forward mode. */
function derive(e: Expr, k: number, memo: Map<Expr, D>): D {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  const d = (x: Expr): D => derive(x, k, memo);
  let r: D;
  switch (e.op) {
    case 'input':
      r = e.index === k ? ex.const(1) : null;
      break;
    case 'const':
    case 'scalar':
      r = null;
      break;
    case 'cast': {
      const dx = d(e.x);
      r = dx !== null && (e.dtype === 'float32' || e.dtype === 'float64') ? ex.cast(dx, e.dtype) : null;
      break;
    }
    case 'select': {
      const da = d(e.a);
      const db = d(e.b);
      r = da === null && db === null ? null : ex.select(e.cond, orZero(da), orZero(db));
      break;
    }
    case 'neg': { const dx = d(e.x); r = dx === null ? null : ex.neg(dx); break; }
    case 'abs': r = scale(d(e.x), ex.sign(e.x)); break;
    case 'exp': r = scale(d(e.x), e); break;
    case 'expm1': r = scale(d(e.x), ex.exp(e.x)); break;
    case 'log': { const dx = d(e.x); r = dx === null ? null : ex.div(dx, e.x); break; }
    case 'log1p': { const dx = d(e.x); r = dx === null ? null : ex.div(dx, ex.add(e.x, 1)); break; }
    case 'sqrt': { const dx = d(e.x); r = dx === null ? null : ex.div(dx, ex.mul(e, 2)); break; }
    case 'sin': r = scale(d(e.x), ex.cos(e.x)); break;
    case 'cos': r = scale(d(e.x), ex.neg(ex.sin(e.x))); break;
    case 'tanh': r = scale(d(e.x), ex.sub(1, ex.mul(e, e))); break;
    case 'erf': r = scale(d(e.x), ex.mul(TWO_OVER_SQRT_PI, ex.exp(ex.neg(ex.mul(e.x, e.x))))); break;
    case 'sign': case 'floor': case 'ceil': case 'round': case 'not':
      r = null;
      break;
    case 'add': r = add(d(e.a), d(e.b)); break;
    case 'sub': r = sub(d(e.a), d(e.b)); break;
    case 'mul': r = add(scale(d(e.a), e.b), scale(d(e.b), e.a)); break;
    case 'div': {
      const da = d(e.a);
      const db = d(e.b);
      r = sub(da === null ? null : ex.div(da, e.b), db === null ? null : ex.div(ex.mul(db, e.a), ex.mul(e.b, e.b)));
      break;
    }
    case 'pow':
      // d aᵇ = b·aᵇ⁻¹·da + aᵇ·ln a·db, the second term 0 where a = 0 (as PyTorch).
      r = add(
        scale(d(e.a), ex.mul(e.b, ex.pow(e.a, ex.sub(e.b, 1)))),
        scale(d(e.b), ex.select(ex.eq(e.a, 0), 0, ex.mul(e, ex.log(e.a)))),
      );
      break;
    case 'max':
    case 'min': {
      // The winning side's derivative; half of each on ties (as PyTorch's maximum/minimum).
      const da = d(e.a);
      const db = d(e.b);
      if (da === null && db === null) r = null;
      else {
        const aWins = e.op === 'max' ? ex.gt(e.a, e.b) : ex.lt(e.a, e.b);
        const bWins = e.op === 'max' ? ex.lt(e.a, e.b) : ex.gt(e.a, e.b);
        r = ex.select(aWins, orZero(da), ex.select(bWins, orZero(db), ex.mul(orZero(add(da, db)), 0.5)));
      }
      break;
    }
    case 'mod': {
      const db = d(e.b);
      r = sub(d(e.a), db === null ? null : ex.mul(db, ex.floor(ex.div(e.a, e.b))));
      break;
    }
    default: // comparisons and logic: piecewise constant
      r = null;
  }
  memo.set(e, r);
  return r;
}

const cache = new WeakMap<Expr, Map<string, readonly (Expr | null)[]>>();

/**
 * Gradient expressions of `expr` with respect to each of its `n` inputs, for the inputs
 * whose `needsGrad` is true: each reads the original inputs (0…n−1) and dy (input n) and
 * computes dy·∂expr/∂input. Null where the derivative is identically zero or not needed.
 */
export function exprGrads(expr: Expr, n: number, needsGrad: readonly boolean[]): readonly (Expr | null)[] {
  const sig = needsGrad.map((b) => (b ? 1 : 0)).join('');
  let byNeed = cache.get(expr);
  if (!byNeed) cache.set(expr, (byNeed = new Map()));
  const hit = byNeed.get(sig);
  if (hit) return hit;
  const dy = ex.input(n);
  const grads = Array.from({ length: n }, (_, k) => {
    if (!needsGrad[k]) return null;
    const dk = derive(expr, k, new Map());
    return dk === null ? null : ex.mul(dy, dk);
  });
  byNeed.set(sig, grads);
  return grads;
}
