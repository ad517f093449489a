import { cpu } from '@tessera/backend-cpu';
import { manualSeed, randint, randn, use } from '@tessera/core';
import { SGD } from '@tessera/optim';
import { mlp } from '@tessera/models';
import { type BatchInfo, type Logs, TopKAccuracy, fit } from '@tessera/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { LiveReporter, type WindowReport } from '../src/worker/live.js';

beforeAll(() => {
  use(cpu());
  manualSeed(1);
});

describe('live reports from fit', () => {
  it('recovers each window’s mean loss and accuracy from the running sums, and runs `between` after every batch', async () => {
    const x = randn([40, 6]);
    const y = randint(0, 3, [40]).cast('int32');
    const net = mlp({ inFeatures: 6, hidden: [8], outFeatures: 3 });
    const accuracy = new TopKAccuracy(1);
    const reports: WindowReport[] = [];
    const batchLosses: number[][] = [[], []];
    const epochLogs: Logs[] = [];
    let between = 0;
    // intervalMs 0: every batch is its own window, so each report is one batch.
    const reporter = new LiveReporter(accuracy, {
      report: (r) => reports.push(r),
      between: async () => void between++,
      epochEnd: async () => {},
    }, 0);
    const probe = {
      onBatchEnd: (info: BatchInfo, ctx: { epoch: number }) => void batchLosses[ctx.epoch].push(info.loss.itemSync()),
      onEpochEnd: (_e: number, logs: Logs) => void epochLogs.push(logs),
    };
    await fit(net, { x, y }, { loss: 'crossEntropy', optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 16, metrics: [accuracy], callbacks: [probe, reporter] });

    expect(between).toBe(6); // 3 batches (16, 16, 8) × 2 epochs
    expect(reports.map((r) => r.epoch)).toEqual([0, 0, 0, 1, 1, 1]);
    reports.forEach((r, i) => expect(r.loss).toBeCloseTo(batchLosses[Math.floor(i / 3)][i % 3], 5));
    for (const epoch of [0, 1]) {
      const rs = reports.slice(3 * epoch, 3 * epoch + 3);
      const acc = (rs[0].accuracy * 16 + rs[1].accuracy * 16 + rs[2].accuracy * 8) / 40;
      expect(acc).toBeCloseTo(epochLogs[epoch].accuracy, 6);
      for (const r of rs) {
        expect(Math.round(r.accuracy * (r === rs[2] ? 8 : 16)) / (r === rs[2] ? 8 : 16)).toBeCloseTo(r.accuracy, 6);
        expect(r.samplesPerSec).toBeGreaterThan(0);
      }
    }
  });
});
