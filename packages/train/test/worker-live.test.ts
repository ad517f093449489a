import { cpu } from '@tessera/backend-cpu';
import { manualSeed, randint, randn, use } from '@tessera/core';
import { SGD } from '@tessera/optim';
import { mlp } from '@tessera/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchInfo, type Logs, TopKAccuracy, fit, resolveMetrics } from '../src/index.js';
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
    const reporter = new LiveReporter([accuracy], { report: (r) => reports.push(r), between: async () => void between++ }, 0);
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
      const acc = (rs[0].metrics.accuracy * 16 + rs[1].metrics.accuracy * 16 + rs[2].metrics.accuracy * 8) / 40;
      expect(acc).toBeCloseTo(epochLogs[epoch].accuracy, 6);
      for (const r of rs) {
        const n = r === rs[2] ? 8 : 16;
        expect(Math.round(r.metrics.accuracy * n) / n).toBeCloseTo(r.metrics.accuracy, 6);
        expect(r.samplesPerSec).toBeGreaterThan(0);
      }
    }
  });

  it('reports a metric that is not a mean (macro F1) as its running value over the epoch', async () => {
    const x = randn([24, 4]);
    const y = randint(0, 2, [24]).cast('int32');
    const net = mlp({ inFeatures: 4, hidden: [], outFeatures: 2 });
    const reports: WindowReport[] = [];
    const [f1] = resolveMetrics(['f1'], 2);
    const reporter = new LiveReporter([f1], { report: (r) => reports.push(r), between: async () => undefined }, 0);
    let last = NaN;
    const probe = { onEpochEnd: (_e: number, logs: Logs) => void (last = logs.f1) };
    await fit(net, { x, y }, { loss: 'crossEntropy', optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 8, metrics: [f1], callbacks: [reporter, probe] });
    expect(reports).toHaveLength(3);
    expect(reports[2].metrics.f1).toBeCloseTo(last, 6);
  });
});
