import { beforeAll, describe, expect, it } from 'vitest';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { digits16, drawDigits } from '../src/digits.js';
import { NETS } from '../src/experiment.js';
import { reproduce } from '../src/reproduce-table.js';

beforeAll(async () => {
  use(cpu());
  await init();
});

describe('LeCun 1989 Table 11.1 reproduction (tiny: 1 draw × 2 epochs × 40/20 digits)', () => {
  it('digits are the sample shrunk to 16×16 (mean ink preserved); draws are fixed by their seed', () => {
    const test = digits16('test');
    expect(test.shape).toEqual([2000, 1, 16, 16]);
    const meanInk = (d: { images: Uint8Array }): number => d.images.reduce((a, b) => a + b, 0) / d.images.length;
    expect(meanInk(test)).toBeGreaterThan(25); // MNIST's mean pixel is about 33/255
    const a = drawDigits({ train: test, test }, 3, 40, 20);
    const b = drawDigits({ train: test, test }, 3, 40, 20);
    expect(Array.from(b.train.labels)).toEqual(Array.from(a.train.labels));
    expect(Array.from(drawDigits({ train: test, test }, 4, 40, 20).train.images)).not.toEqual(Array.from(a.train.images));
  });

  it('prints the paper row beside five trained nets and writes a self-contained plot of Net-1 and Net-5', async () => {
    const opts = { seeds: 1, epochs: 2, nTrain: 40, nTest: 20, batchSize: 10, lr: 0.1, momentum: 0 };
    const r = await reproduce(opts);
    for (const net of NETS) {
      expect(r.curves[net]).toHaveLength(1);
      expect(r.curves[net][0]).toHaveLength(2);
      for (const v of r.curves[net][0]) expect(v % 5, `${net}: % of 20 test digits`).toBeCloseTo(0, 6);
    }
    for (const [row, paper] of [['Net-1', '80.0'], ['Net-2', '87.0'], ['Net-3', '88.5'], ['Net-4', '94.0'], ['Net-5', '98.4']]) {
      expect(r.table).toMatch(new RegExp(`${row}\\s+\\d+\\s+${paper}\\s+\\d+\\.\\d ±`));
    }
    expect(r.html.match(/<polyline/g)).toHaveLength(2);
    expect(r.html).toContain('Net-1 (single layer)');
    expect(r.html).not.toMatch(/<script|https?:\/\/|<img|<link/);
    // Same seeds, same numbers.
    expect((await reproduce(opts)).curves).toEqual(r.curves);
  });
});
