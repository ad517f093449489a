import { describe, expect, it } from 'vitest';
import { maxDiff, run, seq, tensor } from './helpers.js';

/** Naive batched matmul with transposes and batch broadcast. */
function naive(av: number[], aShape: number[], bv: number[], bShape: number[], tA: boolean, tB: boolean): number[] {
  const [Ba, a1, a2] = aShape;
  const [Bb, b1, b2] = bShape;
  const M = tA ? a2 : a1;
  const K = tA ? a1 : a2;
  const N = tB ? b1 : b2;
  const out: number[] = [];
  for (let t = 0; t < Math.max(Ba, Bb); t++) {
    const ta = Ba === 1 ? 0 : t;
    const tb = Bb === 1 ? 0 : t;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const x = av[ta * M * K + (tA ? k * M + i : i * K + k)];
          const y = bv[tb * K * N + (tB ? j * K + k : k * N + j)];
          s += x * y;
        }
        out.push(s);
      }
  }
  return out;
}

describe('matmul', () => {
  const M = 7;
  const K = 133; // not a multiple of the k block or the unroll
  const N = 300; // spans two j blocks
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const [Ba, Bb] of [[1, 1], [3, 3], [1, 3], [3, 1]])
        it(`transposeA=${tA} transposeB=${tB} batch ${Ba}×${Bb}`, () => {
          const aShape = [Ba, tA ? K : M, tA ? M : K];
          const bShape = [Bb, tB ? N : K, tB ? K : N];
          const av = seq(Ba * M * K, 3);
          const bv = seq(Bb * K * N, 5);
          const got = run('matmul', [tensor(av, aShape), tensor(bv, bShape)], { transposeA: tA, transposeB: tB }, [Math.max(Ba, Bb), M, N]);
          expect(maxDiff(got, naive(av, aShape, bv, bShape, tA, tB))).toBeLessThan(1e-12);
        });

  it('float32 and int32', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = [7, 8, 9, 10, 11, 12];
    const want = [58, 64, 139, 154];
    for (const dtype of ['float32', 'int32'] as const) {
      const got = run('matmul', [tensor(a, [1, 2, 3], dtype), tensor(b, [1, 3, 2], dtype)], { transposeA: false, transposeB: false }, [1, 2, 2], dtype);
      expect(Array.from(got)).toEqual(want);
    }
  });

  it('degenerate sizes', () => {
    const e = run('matmul', [tensor([], [1, 2, 0]), tensor([], [1, 0, 3])], { transposeA: false, transposeB: false }, [1, 2, 3]);
    expect(Array.from(e)).toEqual([0, 0, 0, 0, 0, 0]);
    const v = run('matmul', [tensor([2], [1, 1, 1]), tensor([3, 4], [1, 1, 2])], { transposeA: true, transposeB: false }, [1, 1, 2]);
    expect(Array.from(v)).toEqual([6, 8]);
  });
});
