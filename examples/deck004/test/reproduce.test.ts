import { beforeAll, describe, expect, it } from 'vitest';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { pixelStats, sampleDigits } from '../src/experiment.js';
import { reproduce } from '../src/run.js';
import { formatTable, meanStd } from '../src/table.js';

beforeAll(async () => {
  use(cpu());
  await init();
});

describe('deck 004 reproduction (tiny: 2 seeds × 1 epoch × 4,000 / 500 digits)', () => {
  it('uses the bundled sample, its test split held apart, normalised by the training pixels', () => {
    const all = sampleDigits();
    expect([all.train.length, all.test.length]).toEqual([8000, 2000]);
    const few = sampleDigits(1000, 500);
    expect([few.train.length, few.test.length]).toEqual([1000, 500]);
    expect(Array.from(few.train.labels)).toEqual(Array.from(all.train.labels.subarray(0, 1000)));
    const { mean, std } = pixelStats(all.train);
    expect(mean).toBeGreaterThan(0.1); // MNIST: about 0.13 and 0.31
    expect(mean).toBeLessThan(0.16);
    expect(std).toBeGreaterThan(0.28);
    expect(std).toBeLessThan(0.34);
  });

  it('prints the deck row beside the seeds; one epoch on 4,000 digits (40 steps) is far below chance (90 % error)', async () => {
    const lines: string[] = [];
    const table = await reproduce({ seeds: 2, epochs: 1, limit: 4000, testLimit: 500, log: (l) => lines.push(l) });
    expect(table).toMatch(/^Deck 004 \(EE-559 1a\) classic CNN, 1 epoch, SGD lr 0\.1, batch 100/);
    expect(table).toMatch(/deck 1a \(GTX 1080\)\s+MNIST 60,000 \/ 10,000\s+≈ 1 %/);
    const row = /Tessera \(CPU\), 2 seeds\s+MNIST sample 4,000 \/ 500\s+(\d+\.\d\d) % ± (\d+\.\d\d) \(min (\d+\.\d\d), max (\d+\.\d\d)\)/.exec(table);
    expect(row, table).not.toBeNull();
    const errors = [...table.matchAll(/seed (\d) (\d+\.\d\d) %/g)].map((m) => Number(m[2]));
    expect(errors).toHaveLength(2);
    expect(lines).toHaveLength(2);
    for (const e of errors) {
      expect(e, "chance is 90 %").toBeLessThan(50);
      expect((e * 5) % 1, 'an error over 500 test digits is a multiple of 0.2 %').toBeCloseTo(0, 6);
    }
    expect(Number(row![1])).toBeCloseTo(meanStd(errors).mean, 2);
  });

  it('formats mean ± sample standard deviation', () => {
    const t = formatTable({ epochs: 10, nTrain: 8000, nTest: 2000, errors: [1, 2, 3], seeds: [1, 2, 3] }, 1);
    expect(t).toContain('2.00 % ± 1.00 (min 1.00, max 3.00)');
    expect(t).toContain('seed 3 3.00 %');
  });
});
