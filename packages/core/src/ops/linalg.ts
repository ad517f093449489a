import { runOp } from '../engine.js';
import { ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { OpDef } from '../op.js';
import type { PrimitiveAttrs } from '../primitives.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertSameDType } from './binary.js';
import { sum } from './reduce.js';
import { broadcastTo, reshape } from './movement.js';
import { assertDType } from './util.js';

type MatmulAttrs = PrimitiveAttrs['matmul'];

/** Reduces a batched gradient [B, r, c] to the operand's batch size (1 when it was broadcast). */
function toBatch(g: Tensor, batch: number): Tensor {
  return batch === g.shape[0] ? g : sum(g, 0, true);
}

const matmulDef: OpDef<MatmulAttrs> = {
  name: 'matmul',
  infer: ([a, b], { transposeA, transposeB }) => {
    assertSameDType('matmul', a, b);
    assertDType('matmul', a.dtype, 'numeric');
    const [ba, a1, a2] = a.shape;
    const [bb, b1, b2] = b.shape;
    const [m, k] = transposeA ? [a2, a1] : [a1, a2];
    const [k2, n] = transposeB ? [b2, b1] : [b1, b2];
    if (k !== k2 || (ba !== bb && ba !== 1 && bb !== 1)) {
      throw new ShapeError(`matmul: batched operands ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not fit.`);
    }
    return { shape: [Math.max(ba, bb), m, n], dtype: a.dtype };
  },
  // C = op(A)·op(B): d op(A) = dC·op(B)ᵀ, d op(B) = op(A)ᵀ·dC, transposed back as needed.
  grad: (dy, { inputs: [a, b], attrs: { transposeA: ta, transposeB: tb }, needsGrad }) => [
    needsGrad[0]
      ? toBatch(
          ta
            ? runOp(matmulDef, [b, dy], { transposeA: tb, transposeB: true })
            : runOp(matmulDef, [dy, b], { transposeA: false, transposeB: !tb }),
          a.shape[0],
        )
      : null,
    needsGrad[1]
      ? toBatch(
          tb
            ? runOp(matmulDef, [dy, a], { transposeA: true, transposeB: ta })
            : runOp(matmulDef, [a, dy], { transposeA: !ta, transposeB: false }),
          b.shape[0],
        )
      : null,
  ],
};

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped) without materialising it. */
  readonly transposeA?: boolean;
  /** Use bᵀ without materialising it. */
  readonly transposeB?: boolean;
}

/**
 * Matrix product with NumPy/PyTorch semantics: 1-d operands are vectors, leading (batch)
 * axes broadcast, and transposes are free.
 *
 * @example
 * matmul(x, w)                          // [B, in] · [in, out]
 * matmul(q, k, { transposeB: true })    // [B, T, d] · [B, T, d]ᵀ
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  a.assertAlive('matmul');
  b.assertAlive('matmul');
  const ta = !!opts.transposeA && a.rank > 1;
  const tb = !!opts.transposeB && b.rank > 1;
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      `matmul: operands must have at least 1 dimension (got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}); use mul for scalars.`,
    );
  }
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  const a2 = aVec ? [1, a.shape[0]] : a.shape.slice(-2);
  const b2 = bVec ? [b.shape[0], 1] : b.shape.slice(-2);
  const [m, k] = ta ? [a2[1], a2[0]] : [a2[0], a2[1]];
  const [k2, n] = tb ? [b2[1], b2[0]] : [b2[0], b2[1]];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions do not match: a is ${fmtShape(a.shape)}${ta ? ' (transposed)' : ''} and b is ` +
        `${fmtShape(b.shape)}${tb ? ' (transposed)' : ''} (${k} ≠ ${k2}). a's last axis must equal b's ` +
        `second-to-last; transpose one operand (transposeA/transposeB) or reshape.`,
    );
  }
  const batchA = aVec ? [] : a.shape.slice(0, -2);
  const batchB = bVec ? [] : b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const outShape = [...batch, ...(aVec ? [] : [m]), ...(bVec ? [] : [n])];
  return tidy(() => {
    let A: Tensor;
    let B: Tensor;
    if (sizeOf(batchB) === 1 && !ta && batchA.length > 0) {
      // [.., M, K]·[K, N]: fold a's batch into its rows, one GEMM.
      A = reshape(a, [1, sizeOf(batchA) * m, k]);
      B = reshape(b, [1, ...b2]);
    } else {
      const prep = (t: Tensor, own: number[], mat: number[]) => {
        const n0 = sizeOf(own);
        if (n0 === 1 || sizeOf(batch) === n0) return reshape(t, [n0, ...mat]);
        return reshape(broadcastTo(reshape(t, [...own, ...mat]), [...batch, ...mat]), [sizeOf(batch), ...mat]);
      };
      A = prep(a, batchA, a2);
      B = prep(b, batchB, b2);
    }
    return reshape(runOp(matmulDef, [A, B], { transposeA: ta, transposeB: tb }), outShape);
  });
}

/** Dot product of two 1-d tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 1 || b.rank !== 1) throw new ShapeError(`dot: expects 1-d tensors (got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}).`);
  return matmul(a, b);
}

/** Op definitions of linear algebra. */
export const linalgDefs = { matmul: matmulDef } as const;
