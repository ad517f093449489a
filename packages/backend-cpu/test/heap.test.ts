import { describe, expect, it } from 'vitest';
import { BlockHeap } from '../src/wasm/heap.js';

const heap = (start = 64) => {
  let end = start;
  const h = new BlockHeap(start, (e) => (end = Math.max(end, e)));
  return { h, end: () => end };
};

describe('BlockHeap', () => {
  it('bumps, reuses an exact size first, and grows only past the top', () => {
    const { h, end } = heap();
    const a = h.take(32);
    const b = h.take(48);
    expect([a, b]).toEqual([64, 96]);
    expect(end()).toBe(144);
    h.give(a, 32);
    expect(h.take(32)).toBe(a);
    expect(end()).toBe(144);
  });

  it('merges freed neighbours, and gives a block ending at the top back to the bump region', () => {
    const { h } = heap(0);
    const [a, b, c] = [h.take(16), h.take(16), h.take(16)];
    h.give(a, 16);
    h.give(b, 16); // merges with a: one free block [0, 32)
    expect(h.freeBytes).toBe(32);
    expect(h.take(32)).toBe(a);
    h.give(a, 32);
    h.give(c, 16); // ends at the top: everything returns to the bump region
    expect(h.used).toBe(0);
    expect(h.freeBytes).toBe(0);
  });

  it('splits the smallest free block that fits', () => {
    const { h } = heap(0);
    const big = h.take(160);
    const fence = h.take(16);
    const mid = h.take(64);
    h.take(16);
    h.give(big, 160);
    h.give(mid, 64);
    expect(h.take(48)).toBe(mid); // 64 fits better than 160
    expect(h.take(16)).toBe(mid + 48); // the rest of the split block
    expect(fence).toBe(160);
  });

  it('random takes and gives never overlap live blocks and free everything back', () => {
    const { h } = heap(0);
    let s = 12345;
    const rnd = (n: number) => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s % n;
    };
    const live = new Map<number, number>();
    const overlaps: string[] = [];
    for (let step = 0; step < 5000; step++) {
      if (live.size > 0 && rnd(3) === 0) {
        const keys = [...live.keys()];
        const p = keys[rnd(keys.length)];
        h.give(p, live.get(p)!);
        live.delete(p);
      } else {
        const size = 16 * (1 + rnd(rnd(2) ? 4 : 64));
        const p = h.take(size);
        // A plain check per pair (an expect() per pair made this test take minutes on a loaded machine).
        for (const [q, qs] of live) if (!(p + size <= q || q + qs <= p)) overlaps.push(`block ${p}+${size} overlaps ${q}+${qs}`);
        live.set(p, size);
      }
    }
    expect(overlaps).toEqual([]);
    for (const [p, size] of live) h.give(p, size);
    expect(h.used).toBe(0);
    expect(h.freeBytes).toBe(0);
  });

  it('take with a limit reuses free blocks but will not bump past it', () => {
    const { h } = heap(0);
    const a = h.take(64, 100);
    h.take(16, 100);
    expect(h.take(64, 100)).toBe(-1); // 80 + 64 > 100
    h.give(a, 64);
    expect(h.take(48, 100)).toBe(a); // a free block still serves
    expect(h.take(64)).toBe(80); // without a limit it grows
  });
});
