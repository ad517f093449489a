import { describe, expect, it } from 'vitest';
import { attentionLayout, attentionOffsets } from '../src/index.js';

describe('attentionLayout', () => {
  it('merges batch axes every operand walks alike, keeps those a mask broadcasts over', () => {
    const lay = attentionLayout([2, 8, 128, 64], [2, 8, 128, 64], [2, 8, 128, 32], [2, 1, 1, 128]);
    expect(lay).toMatchObject({ batchShape: [2, 8], batch: 16, l: 128, s: 128, e: 64, ev: 32, maskRow: 0, maskCol: 1 });
    expect(lay.strides).toEqual({ q: [8 * 128 * 64, 128 * 64], k: [8 * 128 * 64, 128 * 64], v: [8 * 128 * 32, 128 * 32], mask: [128, 0] });
    const merged = attentionLayout([2, 8, 5, 4], [2, 8, 6, 4], [2, 8, 6, 3], [5, 6]);
    expect(merged.batchShape).toEqual([16]);
    expect(merged.strides.mask).toEqual([0]);
    expect([merged.maskRow, merged.maskCol]).toEqual([6, 1]);
  });

  it('gives broadcast operands stride 0 and walks offsets row-major', () => {
    // q [2, 3, L, E], k [3, S, E] (shared over axis 0), v [1, 3, S, Ev].
    const lay = attentionLayout([2, 3, 5, 8], [3, 7, 8], [1, 3, 7, 4]);
    expect(lay.batchShape).toEqual([2, 3]);
    expect(lay.strides.k).toEqual([0, 56]);
    const off = attentionOffsets(lay);
    expect(Array.from(off.q)).toEqual([0, 40, 80, 120, 160, 200]);
    expect(Array.from(off.k)).toEqual([0, 56, 112, 0, 56, 112]);
    expect(Array.from(off.v)).toEqual([0, 28, 56, 0, 28, 56]);
  });

  it('describes a single matrix with no batch axes', () => {
    const lay = attentionLayout([3, 4], [5, 4], [5, 2], [3, 1]);
    expect(lay.batchShape).toEqual([]);
    expect(lay.batch).toBe(1);
    expect([lay.maskRow, lay.maskCol]).toEqual([1, 0]);
    expect(Array.from(attentionOffsets(lay).q)).toEqual([0]);
  });
});
